import type { IncomingHttpHeaders } from 'node:http';
import type { ChatRequest } from '../../spec/chat-request.js';
import type { JsonShapeLimits } from '../check-json-shape.js';
import { headerValue } from '../handlers/handler-context.js';
import { parseJsonBody } from '../parse-chat-request.js';
import { toAnthropicChatRequest } from './convert-anthropic-request.js';

/** Request bytes and headers of `/v1/messages` (or `count_tokens`, which needs no `max_tokens`) as a ChatRequest. */
export function parseAnthropicRequest(body: Buffer, limits: JsonShapeLimits, headers: IncomingHttpHeaders, options: { requireMaxTokens: boolean }): ChatRequest {
  return toAnthropicChatRequest(parseJsonBody(body, limits), { requireMaxTokens: options.requireMaxTokens, beta: headerValue(headers['anthropic-beta']) });
}
