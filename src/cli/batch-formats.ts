import { encodeAnthropicMessage, encodeBlockedMessage } from '../server/anthropic/encode-anthropic-message.js';
import { BLOCKED_MODEL, completionId, encodeBlockedCompletion, encodeChatCompletion } from '../server/encode-openai-response.js';
import { encodeBlockedResponse, encodeResponse } from '../server/responses/encode-responses-response.js';
import { parseResponsesBody } from '../server/responses/parse-responses-body.js';
import { responseEcho } from '../server/responses/response-echo.js';
import { fromChatCompletionsBody, fromMessagesBody, fromResponsesBody } from '../server/wire-bodies.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { ChatResult } from '../spec/chat-result.js';

/** The dialects a batch line may speak; its answer is written in the same one. */
export type BatchFormat = 'chat' | 'messages' | 'responses';

/** Writes the answers to one line in its dialect, with what that dialect echoes of the request. */
export type AnswerEncoder = {
  answer(result: ChatResult, model: string, traceId: string): Record<string, unknown>;
  blocked(message: string, traceId: string): Record<string, unknown>;
};

export type ParsedBody = { request: ChatRequest; encoder: AnswerEncoder };

const CHAT_ENCODER: AnswerEncoder = {
  answer: (result, model, traceId) => encodeChatCompletion(result, model, completionId(traceId)),
  blocked: (message, traceId) => encodeBlockedCompletion(message, completionId(traceId)),
};

const MESSAGES_ENCODER: AnswerEncoder = {
  answer: (result, model, traceId) => encodeAnthropicMessage(result, model, traceId),
  blocked: (message, traceId) => encodeBlockedMessage(message, BLOCKED_MODEL, traceId),
};

/** Each dialect's body checker (the server's, with its precise errors) and answer encoder (the edge's). */
export const BATCH_FORMATS: Record<BatchFormat, { parse(body: Record<string, unknown>): ParsedBody }> = {
  chat: { parse: (body) => ({ request: fromChatCompletionsBody(body), encoder: CHAT_ENCODER }) },
  messages: { parse: (body) => ({ request: fromMessagesBody(body), encoder: MESSAGES_ENCODER }) },
  responses: {
    parse: (body) => {
      const request = fromResponsesBody(body);
      const echo = responseEcho(parseResponsesBody(body));
      const createdAt = Math.floor(Date.now() / 1000);
      return {
        request,
        encoder: {
          answer: (result, model, traceId) => encodeResponse(result, { traceId, createdAt, model, echo }),
          blocked: (message, traceId) => encodeBlockedResponse(message, { traceId, createdAt, model: BLOCKED_MODEL, echo }),
        },
      };
    },
  },
};
