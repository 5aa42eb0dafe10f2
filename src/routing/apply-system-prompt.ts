import type { ChatMessage, ContentPart } from '../spec/chat-request.js';
import type { SystemPromptMerge } from '../spec/decision.js';

const isInstruction = (message: ChatMessage): boolean => message.role === 'system' || message.role === 'developer';

/**
 * Adds a route's system prompt to the client's messages without ever producing two instruction
 * messages (several upstream chat templates reject a second system message):
 * - `prepend` (default): the route's text goes before the client's first system/developer message,
 *   separated by a blank line; if there is none, a system message is inserted first.
 * - `append`: the same, after the client's text.
 * - `replace`: the client's system/developer messages are dropped and the route's text is used.
 * Returns a new array; the client's messages are not mutated.
 */
export function applySystemPrompt(messages: readonly ChatMessage[], text: string, merge: SystemPromptMerge): ChatMessage[] {
  if (merge === 'replace') return [{ role: 'system', content: text }, ...messages.filter((message) => !isInstruction(message))];
  const index = messages.findIndex(isInstruction);
  if (index === -1) return [{ role: 'system', content: text }, ...messages];
  const existing = messages[index] as ChatMessage;
  const out = messages.slice();
  // Not `{ ...existing, content }`: see util/merged.ts (a message's type keeps its extra keys here).
  out[index] = Object.assign({}, existing, { content: mergeContent(existing.content, text, merge) });
  return out;
}

function mergeContent(content: ChatMessage['content'], text: string, merge: 'prepend' | 'append'): string | ContentPart[] {
  if (Array.isArray(content)) {
    const part = { type: 'text', text };
    return merge === 'prepend' ? [part, ...content] : [...content, part];
  }
  const existing = content ?? '';
  if (existing === '') return text;
  return merge === 'prepend' ? `${text}\n\n${existing}` : `${existing}\n\n${text}`;
}
