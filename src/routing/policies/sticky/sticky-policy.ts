import { z } from 'zod';
import { LruCache } from '../../../util/lru-cache.js';
import { NonEmptyString, PositiveMilliseconds } from '../../../util/schema-parts.js';
import { buildStepPlan, type StepPlan } from '../../build-step-plan.js';
import { definePolicy, writtenAs } from '../policy-definition.js';
import { conversationKey, type ConversationKeySpec } from './conversation-key.js';

/**
 * Keeps a conversation on the model that served its previous turn, while that model's prompt
 * cache is likely warm (`ttl_ms` after the last turn); a new conversation, or one idle longer,
 * is decided by the wrapped `target`. Conversations are remembered in this gateway's memory, at
 * most `max_conversations` of them (least recently active first out).
 */
export const stickyPolicy = definePolicy({
  name: 'sticky',
  schema: (target) =>
    z.strictObject({
      sticky: z.strictObject({
        target,
        ttl_ms: PositiveMilliseconds.default(300_000),
        max_conversations: z.number().int().positive().default(10_000),
        key: z.union([z.literal('prefix'), z.strictObject({ metadata: NonEmptyString })], { error: 'expected `prefix` or { metadata: KEY }' }).default('prefix'),
      }),
    }),
  example: '{ sticky: { target, ttl_ms } }',
  writes: (input) => writtenAs('sticky', input),
  resolve({ sticky }, path, context) {
    const { target, models } = context.resolveTarget(sticky.target, [...path, 'sticky', 'target'], { oneStep: true });
    const key: ConversationKeySpec = sticky.key === 'prefix' ? { type: 'prefix' } : { type: 'metadata', key: sticky.key.metadata };
    return { policy: 'sticky' as const, target, models, ttlMs: sticky.ttl_ms, maxConversations: sticky.max_conversations, key };
  },
  models: (target) => target.models,
  compile(target, context) {
    const inner = context.compileTarget(target.target);
    const held = new LruCache<string>(target.maxConversations, target.ttlMs);
    // The plan of a conversation held by a model: that model first, then the others, then fallbacks.
    const plans = new Map<string, readonly StepPlan[]>(
      target.models.map((model) => [model, [buildStepPlan('sticky', [model, ...target.models.filter((other) => other !== model)], context.router.fallbacks, context.plans)]]),
    );
    return {
      choose(input) {
        const conversation = conversationKey(input.request, target.key);
        const model = held.get(conversation);
        const kept = model === undefined ? undefined : plans.get(model);
        const served = (spec: { name: string }): void => {
          if (plans.has(spec.name)) held.set(conversation, spec.name);
        };
        if (model !== undefined && kept) return { steps: kept, shows: { sticky: { conversation, outcome: 'kept', model } }, served };
        const choice = inner.choose(input);
        return { ...choice, shows: { ...choice.shows, sticky: { conversation, outcome: 'new' } }, served };
      },
      run: inner.run,
    };
  },
});
