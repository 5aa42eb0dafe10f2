import { z } from 'zod';
import { parseBudget } from '../keys/parse-budget.js';

const PositiveCount = z.number().int().positive({ error: 'expected a whole number above 0' });

/** `25/month`: a budget in USD per day, week or month. */
export const BudgetTextSchema = z.string().transform((text, context) => {
  const budget = parseBudget(text);
  if ('error' in budget) {
    context.addIssue({ code: 'custom', message: `expected ${budget.error}` });
    return z.NEVER;
  }
  return budget;
});

/** A team's limits: every key of the team counts against them together, on top of its own. */
export const TeamSchema = z.strictObject({
  budget: BudgetTextSchema.optional(),
  rpm: PositiveCount.optional(),
  tpm: PositiveCount.optional(),
  max_concurrent: PositiveCount.optional(),
  /** Every key of the team may only use routers with a safety `guard`. */
  require_guard: z.boolean({ error: 'expected true or false' }).optional(),
});

/**
 * `budgets:` how budget periods are counted. `calendar`: a day, week (from Monday) or month of
 * `timezone` (IANA, e.g. Europe/Paris); `rolling`: the last 24 hours, 7 days or 30 days.
 */
export const BudgetsSchema = z.strictObject({
  reset: z.enum(['calendar', 'rolling'], { error: 'expected "calendar" or "rolling"' }).default('calendar'),
  timezone: z
    .string()
    .refine(isTimeZone, { error: 'expected an IANA time zone such as UTC or Europe/Paris' })
    .default('UTC'),
});

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
