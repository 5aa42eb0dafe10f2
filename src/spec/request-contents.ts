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

/**
 * The types of OpenAI's built-in tools the request declares (`web_search`, `file_search`,
 * `code_interpreter`, `computer_use_preview`, `mcp`, ...), each once, in order: the Responses
 * API's tools other than functions, which only a model with `builtinTools` runs. Another dialect's
 * tools of other types are not OpenAI's (the Anthropic edge's server tools run at Anthropic).
 */
export function builtinToolTypes(request: ChatRequest): string[] {
  if (request.dialect !== 'responses' || request.tools === undefined) return [];
  const types = new Set<string>();
  for (const tool of request.tools) if (tool.type !== 'function') types.add(tool.type);
  return [...types];
}
