import { z } from 'zod';
import { NonEmptyString } from '../../../util/schema-parts.js';
import { definePolicy, writtenAs } from '../policy-definition.js';
import { compilePredicted } from '../predicted/compile-predicted.js';

/** RouteLLM's form: `strong` when its predicted score exceeds `weak`'s by at least `threshold`. */
export const strongWeakPolicy = definePolicy({
  name: 'strong_weak',
  schema: () =>
    z.strictObject({
      strong_weak: z.strictObject({ strong: NonEmptyString, weak: NonEmptyString, threshold: z.number().min(-1).max(1) }),
    }),
  example: '{ strong_weak: { strong, weak, threshold } }',
  writes: (input) => writtenAs('strong_weak', input),
  resolve({ strong_weak: { strong, weak, threshold } }, path, context) {
    const at = [...path, 'strong_weak'];
    for (const [key, model] of [['strong', strong], ['weak', weak]] as const) {
      if (context.checkModel(model, [...at, key])) context.requirePrediction(model, [...at, key]);
    }
    if (strong === weak) context.report([...at, 'weak'], `expected two different models, found "${weak}" as both strong and weak`);
    return { policy: 'strong_weak' as const, strong, weak, threshold };
  },
  models: (target) => [target.weak, target.strong],
  compile: (target, context) => compilePredicted(target, context),
});
