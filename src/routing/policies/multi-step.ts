import { buildStepPlan, type StepPlan } from '../build-step-plan.js';
import type { PolicyCompileContext } from './policy-definition.js';

/** A step per model, each followed by its router fallbacks (cascade steps, parallel branches). */
export function stepPerModel(policy: string, models: readonly string[], context: PolicyCompileContext): readonly StepPlan[] {
  return models.map((model) => buildStepPlan(policy, [model], context.router.fallbacks, context.plans));
}

/** Why scored data cannot replay a policy that decides from the models' answers. */
export const DEPENDS_ON_ANSWERS = "whose choice depends on the models' answers, which scored data does not have";
