import type { ServerResponse } from 'node:http';
import type { GenerateOutcome, StreamOutcome } from '../../gateway/gateway.js';
import type { ChatRequest } from '../../spec/chat-request.js';
import type { StreamPart } from '../../spec/stream-part.js';
import { completionHeaders, contractHeaders, failureHeaders } from '../contract-headers.js';
import {
  BLOCKED_MODEL,
  completionId,
  encodeBlockedCompletion,
  encodeChatCompletion,
} from '../encode-openai-response.js';
import { errorToHttp } from '../error-to-http.js';
import { corkedWriter } from '../corked-writer.js';
import { sendError, sendJson, SSE_HEADERS } from '../http-io.js';
import { OpenAIStreamEncoder } from '../openai-stream-encoder.js';
import { parseChatRequest } from '../parse-chat-request.js';
import { callContextOf } from './call-context.js';
import type { Handler, HandlerContext } from './handler-context.js';
import { merged } from '../../util/merged.js';

/** `POST /v1/chat/completions`, JSON and SSE. */
export const handleChatCompletions: Handler = async (context) => {
  const { response, gateway } = context;
  const chat = parseChatRequest(await context.readBody(), gateway.config.server);
  const call = callContextOf(context);
  if (chat.stream) await streamCompletion(context, chat, await gateway.stream(chat, call));
  else sendCompletion(response, await gateway.generate(chat, call));
};

function sendCompletion(response: ServerResponse, outcome: GenerateOutcome): void {
  const { traceId, decision } = outcome;
  switch (outcome.type) {
    case 'completion': {
      const { result, model } = outcome;
      const headers = completionHeaders(outcome);
      sendJson(response, 200, encodeChatCompletion(result, model.name, completionId(traceId)), headers);
      return;
    }
    case 'blocked': {
      // Usually 0; a block decided by a model call (an embeddings encoder) still cost that call.
      const headers = contractHeaders({ traceId, decision, rateLimit: outcome.rateLimit, model: BLOCKED_MODEL, attempts: 0, costUsd: outcome.trace.costUsd });
      sendJson(response, 200, encodeBlockedCompletion(outcome.message, completionId(traceId)), headers);
      return;
    }
    case 'error':
      if (!response.destroyed) sendError(response, outcome.error, failureHeaders(outcome));
  }
}

async function streamCompletion({ response }: HandlerContext, chat: ChatRequest, outcome: StreamOutcome): Promise<void> {
  const { traceId, decision } = outcome;
  const id = completionId(traceId);
  if (outcome.type === 'error') {
    if (!response.destroyed) sendError(response, outcome.error, failureHeaders(outcome));
    return;
  }
  if (outcome.type === 'blocked') {
    response.writeHead(200, merged(SSE_HEADERS, contractHeaders({ traceId, decision, rateLimit: outcome.rateLimit, model: BLOCKED_MODEL, attempts: 0, costUsd: outcome.trace.costUsd })));
    const encoder = new OpenAIStreamEncoder(id, BLOCKED_MODEL, chat.includeUsage);
    const parts: StreamPart[] = [
      { type: 'text-delta', choice: 0, text: outcome.message },
      { type: 'finish', choice: 0, finishReason: { unified: 'content_filter', raw: undefined } },
      {
        type: 'usage',
        usage: { inputTokens: 0, cachedInputTokens: undefined, cacheWriteTokens: undefined, outputTokens: 0, reasoningTokens: undefined, estimated: false },
      },
    ];
    response.end(parts.map((part) => encoder.encode(part)).join('') + encoder.done());
    return;
  }
  response.writeHead(200, merged(SSE_HEADERS, contractHeaders({ traceId, decision, rateLimit: outcome.rateLimit, model: outcome.model.name, attempts: outcome.attemptCount })));
  const encoder = new OpenAIStreamEncoder(id, outcome.model.name, chat.includeUsage);
  const send = corkedWriter(response);
  for await (const part of outcome.parts) {
    if (response.destroyed) break;
    if (part.type === 'error') {
      // After the first byte there is no failing over: end with an error event, never a [DONE]. It
      // ends now: what follows (a usage estimate, the trace) must not hold the client, nor a shutdown.
      const { message, type, code } = errorToHttp(part.error).body.error;
      response.end(encoder.error({ message, type, code }));
      break;
    }
    const drained = send(encoder.encode(part));
    if (drained) await drained;
  }
  if (!response.writableEnded && !response.destroyed) response.end(encoder.done());
}
