import type { ChatMessage } from '../spec/chat-request.js';

/** Which messages a router reads (its `match_on`): the last user message, every user message, or all of them. */
export type MatchOn = 'last_user' | 'user' | 'all';

/** The text of a message: a string as is, content parts flattened (text parts joined by newlines). */
export function messageText(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (typeof part.text === 'string') text = text === '' ? part.text : `${text}\n${part.text}`;
  }
  return text;
}

/** The text that rules read: by default the last user message (RouteLLM and most routers do the same). */
export function extractRoutingText(messages: readonly ChatMessage[], matchOn: MatchOn): string {
  if (matchOn === 'last_user') {
    for (let index = messages.length - 1; index >= 0; index--) {
      const message = messages[index];
      if (message?.role === 'user') return messageText(message);
    }
    return '';
  }
  const parts: string[] = [];
  for (const message of messages) {
    if (matchOn === 'all' || message.role === 'user') {
      const text = messageText(message);
      if (text !== '') parts.push(text);
    }
  }
  return parts.join('\n');
}

/** Messages in the conversation other than instructions (at least 1): the "conversation length" feature. */
export function conversationTurns(messages: readonly ChatMessage[]): number {
  let turns = 0;
  for (const message of messages) if (message.role !== 'system' && message.role !== 'developer') turns++;
  return Math.max(1, turns);
}
