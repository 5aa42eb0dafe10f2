import type { ServerResponse } from 'node:http';
import type { GenerateOutcome, StreamOutcome } from '../../gateway/gateway.js';
import type { StreamPart } from '../../spec/stream-part.js';
import { completionHeaders, contractHeaders, failureHeaders } from '../contract-headers.js';
import { corkedWriter } from '../corked-writer.js';
import { BLOCKED_MODEL } from '../encode-openai-response.js';
import { errorToHttp } from '../error-to-http.js';
import { callContextOf } from '../handlers/call-context.js';
import type { Handler } from '../handlers/handler-context.js';
import { sendError, sendJson, SSE_HEADERS } from '../http-io.js';
import { parseJsonBody } from '../parse-chat-request.js';
import { toResponsesChatRequest } from './convert-responses-request.js';
import { encodeBlockedResponse, encodeResponse, type ResponseFrame } from './encode-responses-response.js';
import { referencedIds } from './convert-responses-input.js';
import { loadPreviousResponse } from './load-previous-response.js';
import { loadReferencedItems } from './load-referenced-items.js';
import { parseResponsesBody } from './parse-responses-body.js';
import { responseEcho } from './response-echo.js';
import { responseOwner } from './response-owner.js';
import { ResponsesStreamEncoder } from './responses-stream-encoder.js';

/** What an answer needs besides the outcome: the request's echoed fields, and how to keep the response (undefined with `store: false`). */
type Answering = {
  echo: Record<string, unknown>;
  keep: ((traceId: string, sent: Record<string, unknown>) => void) | undefined;
};

/**
 * `POST /v1/responses`, JSON and SSE, in the Responses dialect, routed like any request. A
 * `previous_response_id` is expanded from the gateway's store before routing, so the follow-up may
 * go to any model; the answer is stored (unless `store: false`) for the next one.
 */
export const handleResponses: Handler = async (context) => {
  const { request, response, gateway } = context;
  const server = gateway.config.server;
  const body = parseResponsesBody(parseJsonBody(await context.readBody(), server), server.maxMessages);
  const owner = responseOwner(context.caller, request.headers);
  const history = body.previous_response_id ? await loadPreviousResponse(gateway.store, body.previous_response_id, owner) : [];
  // References to items of the `previous_response_id` chain resolve against it: only the others are read from the store.
  const chained = new Set(history.flatMap((item) => (typeof item['id'] === 'string' ? [item['id']] : [])));
  const references = referencedIds(body.input).filter((id) => !chained.has(id));
  const stored = references.length > 0 ? await loadReferencedItems(gateway.store, references, owner) : undefined;
  const { chat, items } = toResponsesChatRequest(body, history, stored);
  const answering: Answering = {
    echo: responseEcho(body),
    keep:
      body.store === false
        ? undefined
        : (traceId, sent) => gateway.store.putResponse({ id: String(sent['id']), traceId, createdAt: Date.now(), owner, input: items, response: sent }),
  };
  const call = callContextOf(context);
  if (chat.stream) await streamResponse(response, answering, await gateway.stream(chat, call));
  else sendResponse(response, answering, await gateway.generate(chat, call));
};

function frameOf(traceId: string, model: string, echo: Record<string, unknown>): ResponseFrame {
  return { traceId, createdAt: Math.floor(Date.now() / 1000), model, echo };
}

function sendResponse(response: ServerResponse, { echo, keep }: Answering, outcome: GenerateOutcome): void {
  const { traceId, decision } = outcome;
  switch (outcome.type) {
    case 'completion': {
      const sent = encodeResponse(outcome.result, frameOf(traceId, outcome.model.name, echo));
      sendJson(response, 200, sent, completionHeaders(outcome));
      keep?.(traceId, sent);
      return;
    }
    case 'blocked': {
      const sent = encodeBlockedResponse(outcome.message, frameOf(traceId, BLOCKED_MODEL, echo));
      sendJson(response, 200, sent, contractHeaders({ traceId, decision, rateLimit: outcome.rateLimit, model: BLOCKED_MODEL, attempts: 0, costUsd: outcome.trace.costUsd }));
      keep?.(traceId, sent);
      return;
    }
    case 'error':
      if (!response.destroyed) sendError(response, outcome.error, failureHeaders(outcome));
  }
}

/** The parts of a blocked request's stream: the route's message, no tokens. */
function blockedParts(message: string): StreamPart[] {
  return [
    { type: 'text-delta', choice: 0, text: message },
    { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: undefined } },
    { type: 'usage', usage: { inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: undefined, outputTokens: 0, reasoningTokens: 0, estimated: false } },
  ];
}

/**
 * The gateway returns a stream once its first content has arrived (peek before commit: a failure
 * before it was failed over, or comes back as an error outcome), so nothing is written before then.
 */
async function streamResponse(response: ServerResponse, { echo, keep }: Answering, outcome: StreamOutcome): Promise<void> {
  const { traceId, decision } = outcome;
  if (outcome.type === 'error') {
    if (!response.destroyed) sendError(response, outcome.error, failureHeaders(outcome));
    return;
  }
  if (outcome.type === 'blocked') {
    response.writeHead(200, { ...SSE_HEADERS, ...contractHeaders({ traceId, decision, rateLimit: outcome.rateLimit, model: BLOCKED_MODEL, attempts: 0, costUsd: outcome.trace.costUsd }) });
    const encoder = new ResponsesStreamEncoder(frameOf(traceId, BLOCKED_MODEL, echo));
    response.end(blockedParts(outcome.message).map((part) => encoder.encode(part)).join('') + encoder.end());
    if (encoder.response) keep?.(traceId, encoder.response);
    return;
  }
  response.writeHead(200, { ...SSE_HEADERS, ...contractHeaders({ traceId, decision, rateLimit: outcome.rateLimit, model: outcome.model.name, attempts: outcome.attemptCount }) });
  const encoder = new ResponsesStreamEncoder(frameOf(traceId, outcome.model.name, echo));
  const send = corkedWriter(response);
  for await (const part of outcome.parts) {
    if (response.destroyed) break;
    if (part.type === 'error') {
      // After the first byte there is no failing over: the stream ends failed, at once (what follows,
      // a usage estimate and the trace, must not hold the client), and nothing is stored.
      const { type, code, message } = errorToHttp(part.error).body.error;
      response.end(encoder.error({ type, code, message }));
      return;
    }
    const drained = send(encoder.encode(part));
    if (drained) await drained;
  }
  if (response.writableEnded || response.destroyed) return;
  response.end(encoder.end());
  if (encoder.response) keep?.(traceId, encoder.response);
}
