import type { StepPlan } from '../build-step-plan.js';
import type { CompiledPolicy } from './policy-definition.js';
import { sequenceRunner } from './sequence-runner.js';

/** A policy whose plan is the same for every request (`single`, `fallback`, a model named directly). */
export function fixedPolicy(plan: StepPlan): CompiledPolicy {
  // One choice object for every request: routing only reads it.
  const choice = { steps: [plan] };
  return { choose: () => choice, run: sequenceRunner };
}
