import { z } from 'zod';

const Above = z.number().positive({ error: 'expected a share of the budget above 0 (0.8 is 80%, 1 is all of it)' });

/**
 * A router's `on_budget`: `[{ above: 0.8, use: cheap_router }, { above: 1, block: "Budget reached" }]`.
 * The rule with the highest `above` at or below the caller's budget fraction applies.
 */
export const OnBudgetSchema = z
  .array(
    z.union([z.strictObject({ above: Above, use: z.string().min(1) }), z.strictObject({ above: Above, block: z.string().min(1) })], {
      error: 'expected { above: SHARE, use: ROUTER } or { above: SHARE, block: MESSAGE }',
    }),
  )
  .min(1, { error: 'expected at least one rule' });
