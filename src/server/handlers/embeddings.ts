import { completionHeaders, failureHeaders } from '../contract-headers.js';
import { encodeEmbeddings } from '../encode-embeddings.js';
import { sendError, sendJson } from '../http-io.js';
import { parseEmbeddingRequest } from '../parse-embedding-request.js';
import { callContextOf } from './call-context.js';
import type { Handler } from './handler-context.js';

/** `POST /v1/embeddings`: OpenAI's shape in and out, routed, retried and failed over like a chat request. */
export const handleEmbeddings: Handler = async (context) => {
  const { response, gateway } = context;
  const { request, encodingFormat } = parseEmbeddingRequest(await context.readBody(), gateway.config.server);
  const outcome = await gateway.embed(request, callContextOf(context));
  if (outcome.type === 'error') {
    if (!response.destroyed) sendError(response, outcome.error, failureHeaders(outcome));
    return;
  }
  sendJson(response, 200, encodeEmbeddings(outcome.vectors, outcome.model.name, outcome.usage, encodingFormat), completionHeaders(outcome));
};
