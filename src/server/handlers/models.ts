import { NotFoundError } from '../../errors/request-errors.js';
import { quoteInput } from '../../util/quote-input.js';
import { handleAnthropicGetModel, handleAnthropicListModels } from '../anthropic/handle-anthropic-models.js';
import { sendJson } from '../http-io.js';
import type { Handler } from './handler-context.js';

const STARTED = Math.floor(Date.now() / 1000);

function modelObjects(gateway: Parameters<Handler>[0]['gateway']): { id: string; object: 'model'; created: number; owned_by: string }[] {
  const { routers, models, embeddingModels } = gateway.listModels();
  return [
    ...routers.map((id) => ({ id, object: 'model' as const, created: STARTED, owned_by: 'switchyard' })),
    // OpenAI's list has its embedding models too (Anthropic's list, for chat clients, does not).
    ...[...models, ...embeddingModels].map((spec) => ({ id: spec.name, object: 'model' as const, created: STARTED, owned_by: spec.provider })),
  ];
}

/** `GET /v1/models`: routers first, then the chat and embedding models whose provider is enabled, in OpenAI's list shape. */
export const handleListModels: Handler = async (context) => {
  // Anthropic's clients (Claude Code's model discovery) send `anthropic-version`, and read Anthropic's list shape.
  if (context.request.headers['anthropic-version'] !== undefined) return handleAnthropicListModels(context);
  sendJson(context.response, 200, { object: 'list', data: modelObjects(context.gateway) });
};

/** `GET /v1/models/{id}` (ids may contain slashes, e.g. `groq/llama-3.1-8b-instant`). */
export const handleGetModel: Handler = async (context) => {
  if (context.request.headers['anthropic-version'] !== undefined) return handleAnthropicGetModel(context);
  const { response, gateway, path } = context;
  const id = decodeURIComponent(path.replace(/^(\/v1)?\/models\//, ''));
  const found = modelObjects(gateway).find((model) => model.id === id);
  if (!found) throw new NotFoundError(`The model ${quoteInput(id)} does not exist.`, { code: 'model_not_found', param: 'model' });
  sendJson(response, 200, found);
};
