import { InternalError } from '../../../errors/request-errors.js';
import { conversationTurns } from '../../../features/extract-routing-text.js';
import type { CompiledPolicy, PolicyCompileContext } from '../policy-definition.js';
import { sequenceRunner } from '../sequence-runner.js';
import { compilePredictedPolicy, type PredictedTarget } from './compile-predicted-policy.js';
import { weighHeldModel } from './weigh-held-model.js';

/** Compiles `cheapest_above`, `strong_weak` or `utility` on the router's trained classifier: per request, one prediction and a precomputed plan. */
export function compilePredicted(target: PredictedTarget, context: PolicyCompileContext): CompiledPolicy {
  const { router } = context;
  const classifier = router.classifier;
  if (classifier?.type !== 'trained') throw new InternalError(`router "${router.name}": a ${target.policy} policy without a trained classifier passed config validation`);
  const choose = compilePredictedPolicy(target, classifier.model, router.fallbacks, context.plans);
  return {
    choose: ({ request, text }) => {
      const { plan, prediction } = choose(classifier.model.predict(text(), conversationTurns(request.messages)));
      return { steps: [plan], shows: { prediction } };
    },
    run: sequenceRunner,
    ...(target.policy === 'cheapest_above' ? { weighHeld: weighHeldModel(context.plans.models) } : {}),
  };
}
