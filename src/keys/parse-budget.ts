import { BUDGET_PERIODS, type BudgetPeriod } from './virtual-key.js';

/** `USD/PERIOD` (`25/month`, `0.5/day`): the budget, or why the text is not one. */
export function parseBudget(text: string): { usd: number; period: BudgetPeriod } | { error: string } {
  const match = /^\s*\$?(\d+(?:\.\d+)?)\s*\/\s*([a-z]+)\s*$/.exec(text);
  const period = BUDGET_PERIODS.find((candidate) => candidate === match?.[2]);
  if (match === null || period === undefined) return { error: `a budget is USD/PERIOD with PERIOD one of ${BUDGET_PERIODS.join(', ')} (e.g. 25/month), got "${text}"` };
  return { usd: Number(match[1]), period };
}
