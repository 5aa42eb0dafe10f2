import { z } from 'zod';
import { chatResultToParts } from '../../../spec/chat-result-to-parts.js';
import { replay } from '../../../execution/executor.js';
import { NonEmptyString, PositiveMilliseconds } from '../../../util/schema-parts.js';
import { PickSchema, resolvePick } from '../answer-check-config.js';
import { checkModelList } from '../check-models.js';
import { DEPENDS_ON_ANSWERS, stepPerModel } from '../multi-step.js';
import { definePolicy, writtenAs } from '../policy-definition.js';
import { parallelGenerate } from './run-parallel.js';

/** Ask several models at once and keep one answer. */
export const parallelPolicy = definePolicy({
  name: 'parallel',
  multiStep: true,
  schema: () =>
    z.strictObject({
      parallel: z.strictObject({
        models: z.array(NonEmptyString).min(2, { error: 'expected at least two models' }),
        pick: PickSchema.default('first'),
        /** Bound on the whole policy: answers not in by then are cancelled. */
        timeout_ms: PositiveMilliseconds.default(60_000),
      }),
    }),
  example: '{ parallel: { models, pick } }',
  writes: (input) => writtenAs('parallel', input),
  resolve({ parallel: { models, pick, timeout_ms } }, path, context) {
    checkModelList(models, [...path, 'parallel', 'models'], context);
    return { policy: 'parallel' as const, models, pick: resolvePick(pick, [...path, 'parallel', 'pick'], context), timeoutMs: timeout_ms };
  },
  models: (target) => target.models,
  offlineObstacle: () => DEPENDS_ON_ANSWERS,
  compile(target, context) {
    const choice = { steps: stepPerModel('parallel', target.models, context) };
    const catalog = context.plans.models;
    const run = { pick: target.pick, timeoutMs: target.timeoutMs };
    return {
      choose: () => choice,
      run: {
        generate: (branches, request, execution, options) => parallelGenerate({ ...run, branches }, request, execution, options, catalog),
        async stream(branches, request, execution, options) {
          // The branches answer in one piece; the one picked is replayed as a stream.
          const picked = await parallelGenerate({ ...run, branches }, request, execution, options, catalog);
          if (!picked.ok) return picked;
          const { result, spec, ...outcome } = picked;
          return { ...outcome, ok: true, spec, parts: replay(chatResultToParts(result)), live: false };
        },
      },
    };
  },
});
