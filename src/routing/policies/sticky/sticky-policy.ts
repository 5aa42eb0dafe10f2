import { z } from 'zod';
import { buildStepPlan, type StepPlan } from '../../build-step-plan.js';
import { definePolicy, writtenAs } from '../policy-definition.js';
import { ConversationMemory, StickyFields, toStickySettings } from './conversation-memory.js';

/**
 * Keeps a conversation on the model that served its previous turn, while that model's prompt
 * cache is likely warm (`ttl_ms` after the last turn); a new conversation, or one idle longer,
 * is decided by the wrapped `target`. See `ConversationMemory` for what is remembered where.
 */
export const stickyPolicy = definePolicy({
  name: 'sticky',
  schema: (target) => z.strictObject({ sticky: z.strictObject({ target, ...StickyFields }) }),
  example: '{ sticky: { target, ttl_ms } }',
  writes: (input) => writtenAs('sticky', input),
  resolve({ sticky }, path, context) {
    const { target, models } = context.resolveTarget(sticky.target, [...path, 'sticky', 'target'], { oneStep: true });
    return { policy: 'sticky' as const, target, models, ...toStickySettings(sticky) };
  },
  models: (target) => target.models,
  compile(target, context) {
    const inner = context.compileTarget(target.target);
    const memory = new ConversationMemory(target);
    // The plan of a conversation held by a model: that model first, then the others, then fallbacks.
    const plans = new Map<string, readonly StepPlan[]>(
      target.models.map((model) => [model, [buildStepPlan('sticky', [model, ...target.models.filter((other) => other !== model)], context.router.fallbacks, context.plans)]]),
    );
    return {
      choose(input) {
        const { conversation, model } = memory.lookup(input.request);
        const kept = model === undefined ? undefined : plans.get(model);
        const served = (spec: { name: string }): void => {
          if (plans.has(spec.name)) memory.remember(conversation, spec.name, input.request);
        };
        if (kept) return { steps: kept, shows: { sticky: ConversationMemory.shows(conversation, model) }, served };
        const choice = inner.choose(input);
        return { ...choice, shows: { ...choice.shows, sticky: ConversationMemory.shows(conversation, undefined) }, served };
      },
      run: inner.run,
    };
  },
});
