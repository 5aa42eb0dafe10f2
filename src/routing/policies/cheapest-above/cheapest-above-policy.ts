import { z } from 'zod';
import { NonEmptyString } from '../../../util/schema-parts.js';
import { definePolicy, writtenAs } from '../policy-definition.js';
import { compilePredicted } from '../predicted/compile-predicted.js';

/** The cheapest of `models` whose predicted score (from the router's classifier) is at least `min_quality`. */
export const cheapestAbovePolicy = definePolicy({
  name: 'cheapest_above',
  schema: () =>
    z.strictObject({
      cheapest_above: z.strictObject({
        models: z.array(NonEmptyString).min(2, { error: 'expected at least two models to choose from' }),
        min_quality: z.number().min(0).max(1),
      }),
    }),
  example: '{ cheapest_above: { models, min_quality } }',
  writes: (input) => writtenAs('cheapest_above', input),
  resolve({ cheapest_above: { models, min_quality } }, path, context) {
    const at = [...path, 'cheapest_above', 'models'];
    models.forEach((model, index) => {
      if (context.checkModel(model, [...at, index])) context.requirePrediction(model, [...at, index]);
    });
    return { policy: 'cheapest_above' as const, models, minQuality: min_quality };
  },
  models: (target) => target.models,
  compile: (target, context) => compilePredicted(target, context),
});
