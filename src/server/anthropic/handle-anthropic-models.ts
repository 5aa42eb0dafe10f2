import { NotFoundError } from '../../errors/request-errors.js';
import { quoteInput } from '../../util/quote-input.js';
import type { Handler, HandlerContext } from '../handlers/handler-context.js';
import { sendJson } from '../http-io.js';
import { anthropicRequestId } from './anthropic-request-id.js';

/** When the models "were created", for Anthropic's `created_at`: the gateway's start, as the OpenAI list says too. */
const STARTED = new Date().toISOString();
/** Anthropic's page size when the client sets none, and its largest. */
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

type AnthropicModel = { type: 'model'; id: string; display_name: string; created_at: string };

function modelInfos(gateway: HandlerContext['gateway']): AnthropicModel[] {
  const { routers, models } = gateway.listModels();
  return [
    ...routers.map((id) => ({ type: 'model' as const, id, display_name: `${id} (Switchyard router)`, created_at: STARTED })),
    ...models.map((spec) => ({ type: 'model' as const, id: spec.name, display_name: spec.name, created_at: STARTED })),
  ];
}

/**
 * `GET /v1/models` with an `anthropic-version` header: routers first, then the models that can
 * serve, in Anthropic's list shape, paged by `limit`, `after_id` and `before_id` as the API is.
 */
export const handleAnthropicListModels: Handler = async ({ request, response, gateway }) => {
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
  const all = modelInfos(gateway);
  const limit = Math.min(MAX_LIMIT, Math.max(1, Number.parseInt(query.get('limit') ?? '', 10) || DEFAULT_LIMIT));
  const after = query.get('after_id');
  const before = query.get('before_id');
  let start = 0;
  let end = all.length;
  if (after !== null) start = all.findIndex((model) => model.id === after) + 1;
  if (before !== null) end = Math.max(0, all.findIndex((model) => model.id === before));
  // Paging backwards (`before_id`) takes the last `limit` before it, as the API does.
  const page = before !== null && after === null ? all.slice(Math.max(start, end - limit), end) : all.slice(start, Math.min(end, start + limit));
  const hasMore = before !== null && after === null ? end - page.length > start : start + page.length < end;
  sendJson(response, 200, { data: page, has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null }, { 'request-id': anthropicRequestId() });
};

/** `GET /v1/models/{id}` with an `anthropic-version` header. */
export const handleAnthropicGetModel: Handler = async ({ response, gateway, path }) => {
  const id = decodeURIComponent(path.replace(/^(\/v1)?\/models\//, ''));
  const found = modelInfos(gateway).find((model) => model.id === id);
  if (!found) throw new NotFoundError(`The model ${quoteInput(id)} does not exist.`, { code: 'model_not_found', param: 'model' });
  sendJson(response, 200, found, { 'request-id': anthropicRequestId() });
};
