import type { ChatRequest } from '../spec/chat-request.js';
import { toAnthropicChatRequest } from './anthropic/convert-anthropic-request.js';
import { toChatRequest } from './parse-chat-request.js';
import { toResponsesChatRequest } from './responses/convert-responses-request.js';
import { invalidAt, parseResponsesBody } from './responses/parse-responses-body.js';

/**
 * Wire bodies as the canonical request, for library users: checked as the server checks them,
 * throwing the same InvalidRequestError (with its precise message) on bad input.
 */

/** A Chat Completions body (`{ model, messages, ... }`), as `POST /v1/chat/completions` takes it. */
export function fromChatCompletionsBody(body: unknown): ChatRequest {
  return toChatRequest(body);
}

/** A Messages body (`{ model, max_tokens, messages, ... }`), as `POST /v1/messages` takes it; `beta`: its `anthropic-beta` header. */
export function fromMessagesBody(body: unknown, options: { beta?: string } = {}): ChatRequest {
  return toAnthropicChatRequest(body, { requireMaxTokens: true, beta: options.beta });
}

/**
 * A Responses body (`{ model, input, ... }`), as `POST /v1/responses` takes it. The library keeps
 * no conversation state: a body with `previous_response_id` is refused (send the whole input).
 */
export function fromResponsesBody(body: unknown): ChatRequest {
  const parsed = parseResponsesBody(body);
  if (parsed.previous_response_id) {
    throw invalidAt(['previous_response_id'], 'the library keeps no stored responses: send the whole conversation as input items (the server, POST /v1/responses, expands previous_response_id)');
  }
  return toResponsesChatRequest(parsed).chat;
}
