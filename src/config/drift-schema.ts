import { z } from 'zod';

/**
 * `drift:` the drift alarm of every router, route and model (`learning/drift-monitor.ts`). Top level,
 * not per router: one monitor serves the process, outlives reloads, and sees every router's scores.
 */
export const DriftSchema = z
  .strictObject({
    /** Alarm when a model's quality falls more than this below its calibrated level. */
    margin: z.number().gt(0).lt(1).default(0.1),
    /** Latest scores kept per router, route and model: the estimate is their mean. */
    window: z.number().int().min(1).max(100_000).default(200),
    /** Scores a test needs before it can alarm. */
    min_samples: z.number().int().min(1).default(30),
    /** Without a level here or in the trained router file, the mean of the first this many scores is the level. */
    baseline_samples: z.number().int().min(1).default(100),
    /** Calibrated level per model, in [0, 1]: wins over the trained router file's holdout record. */
    levels: z.record(z.string(), z.number().min(0).max(1)).default({}),
  })
  .refine((drift) => drift.min_samples <= drift.window, { error: 'expected at most `window` scores', path: ['min_samples'] });
