import type { ChatRequest } from '../spec/chat-request.js';
import { toAnthropicChatRequest } from './anthropic/convert-anthropic-request.js';
import { toChatRequest } from './parse-chat-request.js';

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
