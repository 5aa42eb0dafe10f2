import { z } from 'zod';
import { LruCache } from '../../../util/lru-cache.js';
import { NonEmptyString, PositiveMilliseconds } from '../../../util/schema-parts.js';
import type { ChatRequest } from '../../../spec/chat-request.js';
import type { Stickiness } from '../../../spec/decision.js';
import { conversationKey, type ConversationKeySpec } from './conversation-key.js';

/** The characters of a request's messages: what a prompt cache holds of it, roughly. */
function promptChars(request: ChatRequest): number {
  let chars = 0;
  for (const message of request.messages) {
    if (typeof message.content === 'string') chars += message.content.length;
    else if (Array.isArray(message.content)) for (const part of message.content) chars += part.text?.length ?? 0;
  }
  return chars;
}

/** How long and how many conversations are remembered, and how they are named. */
export type StickySettings = { ttlMs: number; maxConversations: number; key: ConversationKeySpec };

/** The config keys of stickiness, shared by the `sticky` policy and a router's `sticky`. */
export const StickyFields = {
  /** A conversation stays on its model this long after its last turn: a prompt cache's usual life. */
  ttl_ms: PositiveMilliseconds.default(300_000),
  max_conversations: z.number().int().positive().default(10_000),
  key: z.union([z.literal('prefix'), z.strictObject({ metadata: NonEmptyString })], { error: 'expected `prefix` or { metadata: KEY }' }).default('prefix'),
};

export function toStickySettings(fields: { ttl_ms: number; max_conversations: number; key: 'prefix' | { metadata: string } }): StickySettings {
  return { ttlMs: fields.ttl_ms, maxConversations: fields.max_conversations, key: fields.key === 'prefix' ? { type: 'prefix' } : { type: 'metadata', key: fields.key.metadata } };
}

/**
 * Which model served each recent conversation, in this gateway's memory: at most
 * `maxConversations`, the least recently active dropped first, each forgotten `ttlMs` after its
 * last turn (every turn renews it, as a prompt cache's TTL is renewed by a hit).
 */
export class ConversationMemory {
  private readonly held: LruCache<{ model: string; chars: number }>;

  constructor(private readonly settings: StickySettings) {
    this.held = new LruCache<{ model: string; chars: number }>(settings.maxConversations, settings.ttlMs);
  }

  /**
   * The request's conversation, the model that holds it (if one does) and the share of this
   * request's prompt that model saw last turn, so likely has in its cache (by characters, 0..1).
   */
  lookup(request: ChatRequest): { conversation: string; model: string | undefined; cachedShare: number } {
    const conversation = conversationKey(request, this.settings.key);
    const held = this.held.get(conversation);
    if (!held) return { conversation, model: undefined, cachedShare: 0 };
    const chars = promptChars(request);
    return { conversation, model: held.model, cachedShare: chars === 0 ? 0 : Math.min(1, held.chars / chars) };
  }

  /** `request` was served by `model`, which now holds the conversation (and its prompt, in its cache). */
  remember(conversation: string, model: string, request: ChatRequest): void {
    this.held.set(conversation, { model, chars: promptChars(request) });
  }

  /** What the Decision shows: kept on `model`, or left to routing. */
  static shows(conversation: string, model: string | undefined): Stickiness {
    return model === undefined ? { conversation, outcome: 'new' } : { conversation, outcome: 'kept', model };
  }
}
