import { z } from 'zod';
import { NonEmptyString } from '../../../util/schema-parts.js';
import { CheckSchema, resolveCheck } from '../answer-check-config.js';
import { checkModelList } from '../check-models.js';
import { DEPENDS_ON_ANSWERS, stepPerModel } from '../multi-step.js';
import { definePolicy, writtenAs } from '../policy-definition.js';
import { cascadeGenerate, cascadeStream } from './run-cascade.js';

/** Cheapest first; escalate to the next model when the answer fails the check. */
export const cascadePolicy = definePolicy({
  name: 'cascade',
  multiStep: true,
  schema: () =>
    z.strictObject({
      cascade: z.strictObject({ models: z.array(NonEmptyString).min(2, { error: 'expected at least two models, cheapest first' }), check: CheckSchema }),
    }),
  example: '{ cascade: { models, check } }',
  writes: (input) => writtenAs('cascade', input),
  resolve({ cascade: { models, check } }, path, context) {
    checkModelList(models, [...path, 'cascade', 'models'], context);
    return { policy: 'cascade' as const, models, check: resolveCheck(check, [...path, 'cascade', 'check'], context) };
  },
  models: (target) => target.models,
  offlineObstacle: () => DEPENDS_ON_ANSWERS,
  compile(target, context) {
    const choice = { steps: stepPerModel('cascade', target.models, context) };
    const catalog = context.plans.models;
    return {
      choose: () => choice,
      run: {
        generate: (steps, request, execution, options) => cascadeGenerate({ steps, check: target.check }, request, execution, options, catalog),
        stream: (steps, request, execution, options) => cascadeStream({ steps, check: target.check }, request, execution, options, catalog),
      },
    };
  },
});
