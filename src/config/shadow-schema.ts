import { z } from 'zod';
import { NonEmptyString } from '../util/schema-parts.js';

/**
 * A router's `shadow:` (see `gateway/shadow/`):
 * `{ sample: 0.02, models: [a, b], judge: { model: j, rubric? }, budget_usd_per_day: 5, max_concurrent: 2 }`.
 */
export const ShadowSchema = z.strictObject({
  sample: z
    .number({ error: 'expected a share of the requests above 0 and at most 1 (0.02 is 2%)' })
    .gt(0, { error: 'expected a share of the requests above 0 and at most 1 (0.02 is 2%)' })
    .lte(1, { error: 'expected a share of the requests above 0 and at most 1 (0.02 is 2%)' }),
  models: z.array(NonEmptyString).min(1, { error: 'expected at least one alternative model' }),
  judge: z.strictObject({ model: NonEmptyString, rubric: NonEmptyString.optional() }),
  budget_usd_per_day: z.number({ error: 'expected US dollars per day above 0' }).positive({ error: 'expected US dollars per day above 0' }),
  max_concurrent: z.number().int().positive({ error: 'expected a whole number of jobs above 0' }).default(2),
});
