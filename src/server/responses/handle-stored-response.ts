import { InvalidRequestError, NotFoundError } from '../../errors/request-errors.js';
import { quoteInput } from '../../util/quote-input.js';
import type { Handler, HandlerContext } from '../handlers/handler-context.js';
import { sendJson } from '../http-io.js';
import { responseOwner } from './response-owner.js';

/** `/v1/responses/{id}` (or `/responses/{id}`): one path segment, no sub-resource. */
export const STORED_RESPONSE_PATH = /^(?:\/v1)?\/responses\/([^/]+)$/;

/**
 * `GET /v1/responses/{id}`: a response the gateway stored (`store` not false), as the client
 * received it, for the caller who made it. Unknown, expired, deleted and another caller's are the
 * same 404, so a caller cannot tell whether an id exists.
 */
export const handleGetStoredResponse: Handler = async (context) => {
  // A stored response is kept whole, not as its events: it cannot be replayed as a stream.
  if (new URL(context.request.url ?? '/', 'http://localhost').searchParams.get('stream') === 'true') {
    throw new InvalidRequestError('A stored response cannot be streamed again; retrieve it without stream=true.', { param: 'stream' });
  }
  const { id, owner } = identify(context);
  const stored = await context.gateway.store.getResponse(id, owner);
  if (!stored) throw notFound(id);
  sendJson(context.response, 200, stored.response, { 'x-switchyard-trace-id': stored.traceId });
};

/** `DELETE /v1/responses/{id}`: forgets a stored response; a follow-up naming it then gets a 404. */
export const handleDeleteStoredResponse: Handler = async (context) => {
  const { id, owner } = identify(context);
  if (!(await context.gateway.store.deleteResponse(id, owner))) throw notFound(id);
  sendJson(context.response, 200, { id, object: 'response', deleted: true });
};

function identify({ path, request, caller }: HandlerContext): { id: string; owner: string | undefined } {
  const segment = STORED_RESPONSE_PATH.exec(path)?.[1] ?? '';
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    throw new InvalidRequestError(`The response id in the path is not valid percent-encoding: ${quoteInput(segment)}.`, { param: 'response_id' });
  }
  return { id, owner: responseOwner(caller, request.headers) };
}

/** OpenAI's answer for a response it does not have: 404, no code. */
function notFound(id: string): NotFoundError {
  return new NotFoundError(`Response with id ${quoteInput(id)} not found.`, { code: null });
}
