import { createHash } from 'node:crypto';
import type { ChatRequest } from '../../../spec/chat-request.js';

/** How a sticky policy tells conversations apart. */
export type ConversationKeySpec = { type: 'prefix' } | { type: 'metadata'; key: string };

/**
 * A stable name for the conversation a request continues: a hash of its opening (the system
 * messages and the first user message, which every later turn re-sends first and a prompt cache
 * holds), or of a metadata value the client sets per session. Hashed, so a Decision never shows
 * the client's text.
 */
export function conversationKey(request: ChatRequest, spec: ConversationKeySpec): string {
  const hash = createHash('sha256').update(request.model).update('\0');
  const named = spec.type === 'metadata' ? request.metadata?.[spec.key] : undefined;
  if (named !== undefined) {
    hash.update('metadata\0').update(named);
  } else {
    for (const message of request.messages) {
      hash.update(JSON.stringify([message.role, message.content ?? null]));
      if (message.role === 'user') break;
    }
  }
  return hash.digest('base64url').slice(0, 16);
}
