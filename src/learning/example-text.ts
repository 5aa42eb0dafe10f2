import { conversationTurns, extractRoutingText } from '../features/extract-routing-text.js';
import type { ScoredExample } from './scored-data.js';

/**
 * The text a router reads for a scored example (its last user message, as the gateway's default
 * `match_on`), and the conversation length; training and replay must see exactly what routing sees.
 */
export function exampleText(example: ScoredExample): { text: string; turns: number } {
  return { text: extractRoutingText(example.messages, 'last_user'), turns: conversationTurns(example.messages) };
}
