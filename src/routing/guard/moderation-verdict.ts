import type { ChatMessage } from '../../spec/chat-request.js';
import type { Moderation } from '../../spec/moderation-model.js';
import { messageText } from '../../features/extract-routing-text.js';

/**
 * What a moderation guard sends: the text of every user turn, each a separate input. Earlier turns
 * count too: a client writes the whole conversation, so an earlier "user" turn is no less its own.
 * Instructions, assistant turns and tool output are not the user's.
 */
export function moderationInputs(messages: readonly ChatMessage[]): string[] {
  return messages.flatMap((message) => {
    if (message.role !== 'user') return [];
    const text = messageText(message);
    return text === '' ? [] : [text];
  });
}

/**
 * The categories a moderation flagged, in the order it named them: with a `threshold`, those
 * scored at least that much; without, those the endpoint itself flagged.
 */
export function flaggedCategories(moderation: Moderation, threshold: number | undefined): string[] {
  if (threshold === undefined) return Object.entries(moderation.categories).flatMap(([name, flagged]) => (flagged ? [name] : []));
  return Object.entries(moderation.scores).flatMap(([name, score]) => (score >= threshold ? [name] : []));
}
