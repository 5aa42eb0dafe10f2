import type { ChatRequest } from '../../spec/chat-request.js';

/**
 * The client asked for reasoning: OpenAI's `reasoning_effort` other than `none`, or an
 * Anthropic-shaped `thinking` object other than `{ type: disabled }`. The one place that reads it,
 * so a canonical field for it changes this function only.
 */
export function asksForThinking(request: ChatRequest): boolean {
  const effort = request.passthrough['reasoning_effort'];
  if (typeof effort === 'string' && effort !== 'none') return true;
  // An Anthropic-shaped request has it in its dialect's fields; an OpenAI-shaped one may pass it through (LiteLLM's convention).
  const thinking = request.dialectFields?.['thinking'] ?? request.passthrough['thinking'];
  return typeof thinking === 'object' && thinking !== null && (thinking as { type?: unknown }).type !== 'disabled';
}
