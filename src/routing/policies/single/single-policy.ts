import { NonEmptyString } from '../../../util/schema-parts.js';
import { buildStepPlan } from '../../build-step-plan.js';
import { fixedPolicy } from '../fixed-policy.js';
import { definePolicy } from '../policy-definition.js';

/** One model (and its router fallbacks), written as the bare model name. */
export const singlePolicy = definePolicy({
  name: 'single',
  schema: () => NonEmptyString,
  example: 'a model name',
  writes: (input) => typeof input === 'string',
  resolve(model: string, path, context) {
    context.checkModel(model, path);
    return { policy: 'single' as const, model };
  },
  models: (target) => [target.model],
  compile: (target, context) => fixedPolicy(buildStepPlan('single', [target.model], context.router.fallbacks, context.plans)),
});
