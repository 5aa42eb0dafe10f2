import { z } from 'zod';
import { NonEmptyString } from '../../../util/schema-parts.js';
import { definePolicy, writtenAs } from '../policy-definition.js';
import { compilePredicted } from '../predicted/compile-predicted.js';

/**
 * The model of `models` with the best predicted score minus `cost_weight` × its blended price as a
 * share of the priciest one's: 0 takes the best predicted whatever it costs, higher values trade
 * quality for price. Unlike `cheapest_above` it weighs what a pricier model adds, not whether a
 * cheap one clears a bar, so for two models it ranks prompts by the predicted gain, as `strong_weak`.
 */
export const utilityPolicy = definePolicy({
  name: 'utility',
  schema: () =>
    z.strictObject({
      utility: z.strictObject({
        models: z.array(NonEmptyString).min(2, { error: 'expected at least two models to choose from' }),
        cost_weight: z.number().min(0),
      }),
    }),
  example: '{ utility: { models, cost_weight } }',
  writes: (input) => writtenAs('utility', input),
  resolve({ utility: { models, cost_weight } }, path, context) {
    const at = [...path, 'utility', 'models'];
    models.forEach((model, index) => {
      if (context.checkModel(model, [...at, index])) context.requirePrediction(model, [...at, index]);
    });
    return { policy: 'utility' as const, models, costWeight: cost_weight };
  },
  models: (target) => target.models,
  compile: (target, context) => compilePredicted(target, context),
});
