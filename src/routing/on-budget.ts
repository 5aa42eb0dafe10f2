import type { BudgetDecision, BudgetState } from '../spec/decision.js';

/** A rule of a router's `on_budget`: from `above` (a share of the budget, holds in flight counted), route through `use` or answer `block`. */
export type OnBudgetRule = { above: number; use: string; block?: undefined } | { above: number; block: string; use?: undefined };

/**
 * The rule of `rules` (sorted by `above`, ascending) that applies at `budget`: the one with the
 * highest `above` at or below its fraction; `undefined` below them all or with no budget.
 */
export function onBudgetRule(rules: readonly OnBudgetRule[] | undefined, budget: BudgetState | undefined): OnBudgetRule | undefined {
  if (!rules || !budget) return undefined;
  let applies: OnBudgetRule | undefined;
  for (const rule of rules) if (rule.above <= budget.fraction) applies = rule;
  return applies;
}

/** What the Decision shows: the budget state and, when one applied, the rule. */
export function budgetDecision(budget: BudgetState, rule: OnBudgetRule | undefined): BudgetDecision {
  if (!rule) return { ...budget };
  return { ...budget, rule: rule.use !== undefined ? { above: rule.above, use: rule.use } : { above: rule.above, block: rule.block } };
}
