import type { ServerResponse } from 'node:http';
import type { GenerateOutcome, StreamOutcome } from '../../gateway/gateway.js';
import type { StreamPart } from '../../spec/stream-part.js';
import { completionHeaders, contractHeaders, failureHeaders } from '../contract-headers.js';
import { corkedWriter } from '../corked-writer.js';
import { BLOCKED_MODEL } from '../encode-openai-response.js';
import { errorToAnthropicHttp } from '../error-to-anthropic-http.js';
import { callContextOf } from '../handlers/call-context.js';
import type { Handler } from '../handlers/handler-context.js';
import { sendJson, SSE_HEADERS } from '../http-io.js';
import { anthropicRateLimitHeaders } from './anthropic-rate-limit-headers.js';
import { anthropicRequestId } from './anthropic-request-id.js';
import { AnthropicStreamEncoder } from './anthropic-stream-encoder.js';
import { encodeAnthropicMessage, encodeBlockedMessage, messageId } from './encode-anthropic-message.js';
import { parseAnthropicRequest } from './parse-anthropic-request.js';
import { sendAnthropicError } from './send-anthropic-error.js';

/** `POST /v1/messages`, JSON and SSE, in Anthropic's dialect, routed like any request. */
export const handleMessages: Handler = async (context) => {
  const { request, response, gateway } = context;
  const chat = parseAnthropicRequest(await context.readBody(), gateway.config.server, request.headers, { requireMaxTokens: true });
  const call = callContextOf(context);
  if (chat.stream) await streamMessage(response, await gateway.stream(chat, call));
  else sendMessage(response, await gateway.generate(chat, call));
};

function sendMessage(response: ServerResponse, outcome: GenerateOutcome): void {
  const { traceId, decision } = outcome;
  const requestId = anthropicRequestId(traceId);
  switch (outcome.type) {
    case 'completion': {
      const { result, model } = outcome;
      const headers = completionHeaders(outcome);
      sendJson(response, 200, encodeAnthropicMessage(result, model.name, traceId), { ...headers, ...anthropicRateLimitHeaders(outcome.rateLimit), 'request-id': requestId });
      return;
    }
    case 'blocked': {
      const headers = contractHeaders({ traceId, decision, rateLimit: outcome.rateLimit, model: BLOCKED_MODEL, attempts: 0, costUsd: outcome.trace.costUsd });
      sendJson(response, 200, encodeBlockedMessage(outcome.message, BLOCKED_MODEL, traceId), { ...headers, ...anthropicRateLimitHeaders(outcome.rateLimit), 'request-id': requestId });
      return;
    }
    case 'error':
      if (!response.destroyed) sendAnthropicError(response, outcome.error, requestId, { ...failureHeaders(outcome), ...anthropicRateLimitHeaders(outcome.rateLimit) });
  }
}

/** The parts of a blocked request's stream: the route's message as a refusal, no tokens. */
function blockedParts(message: string): StreamPart[] {
  return [
    { type: 'text-delta', choice: 0, text: message },
    { type: 'finish', choice: 0, finishReason: { unified: 'content_filter', raw: undefined } },
    { type: 'usage', usage: { inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: undefined, estimated: false } },
  ];
}

/**
 * The gateway returns a stream once its first content has arrived (peek before commit: a failure
 * before it was failed over, or comes back as an error outcome), so nothing is written before then.
 */
async function streamMessage(response: ServerResponse, outcome: StreamOutcome): Promise<void> {
  const { traceId, decision } = outcome;
  const requestId = anthropicRequestId(traceId);
  if (outcome.type === 'error') {
    if (!response.destroyed) sendAnthropicError(response, outcome.error, requestId, { ...failureHeaders(outcome), ...anthropicRateLimitHeaders(outcome.rateLimit) });
    return;
  }
  if (outcome.type === 'blocked') {
    const headers = contractHeaders({ traceId, decision, rateLimit: outcome.rateLimit, model: BLOCKED_MODEL, attempts: 0, costUsd: outcome.trace.costUsd });
    response.writeHead(200, { ...SSE_HEADERS, ...headers, ...anthropicRateLimitHeaders(outcome.rateLimit), 'request-id': requestId });
    const encoder = new AnthropicStreamEncoder(messageId(undefined, traceId), BLOCKED_MODEL);
    response.end(blockedParts(outcome.message).map((part) => encoder.encode(part)).join('') + encoder.end());
    return;
  }
  const headers = contractHeaders({ traceId, decision, rateLimit: outcome.rateLimit, model: outcome.model.name, attempts: outcome.attemptCount });
  response.writeHead(200, { ...SSE_HEADERS, ...headers, ...anthropicRateLimitHeaders(outcome.rateLimit), 'request-id': requestId });
  const encoder = new AnthropicStreamEncoder(messageId(undefined, traceId), outcome.model.name);
  const send = corkedWriter(response);
  for await (const part of outcome.parts) {
    if (response.destroyed) break;
    if (part.type === 'error') {
      // After the first byte there is no failing over: an `error` event ends the stream, never
      // `message_stop`, and at once: what follows (a usage estimate, the trace) must not hold the client.
      response.end(encoder.error(errorToAnthropicHttp(part.error, requestId).body.error, requestId));
      break;
    }
    const drained = send(encoder.encode(part));
    if (drained) await drained;
  }
  if (!response.writableEnded && !response.destroyed) response.end(encoder.end());
}
