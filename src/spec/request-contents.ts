import type { ChatRequest } from './chat-request.js';

/** What a request carries, as routing conditions and capability checks both read it. */

/** The request declares tools (`tools`, or the legacy `functions`). */
export function declaresTools(request: ChatRequest): boolean {
  const functions = request.passthrough['functions'];
  return (request.tools?.length ?? 0) > 0 || (Array.isArray(functions) && functions.length > 0);
}

/** A message has a content part of this type (`image_url`, `file`, ...). */
export function hasContentPart(request: ChatRequest, type: string): boolean {
  return request.messages.some((message) => Array.isArray(message.content) && message.content.some((part) => part.type === type));
}
