import { z } from 'zod';
import { NonEmptyString } from '../../../util/schema-parts.js';
import { buildStepPlan } from '../../build-step-plan.js';
import { checkModelList } from '../check-models.js';
import { fixedPolicy } from '../fixed-policy.js';
import { definePolicy, writtenAs } from '../policy-definition.js';

/** The models in order, each followed by its router fallbacks: the next is tried when one fails. */
export const fallbackPolicy = definePolicy({
  name: 'fallback',
  schema: () => z.strictObject({ fallback: z.array(NonEmptyString).min(1, { error: 'expected at least one model' }) }),
  example: '{ fallback: [...] }',
  writes: (input) => writtenAs('fallback', input),
  resolve(input, path, context) {
    checkModelList(input.fallback, [...path, 'fallback'], context, false);
    return { policy: 'fallback' as const, models: input.fallback };
  },
  models: (target) => target.models,
  compile: (target, context) => fixedPolicy(buildStepPlan('fallback', target.models, context.router.fallbacks, context.plans)),
});
