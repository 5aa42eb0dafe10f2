import { describe, expect, it } from 'vitest';
import type { BudgetState } from '../spec/decision.js';
import { budgetDecision, onBudgetRule, type OnBudgetRule } from './on-budget.js';

const rules: OnBudgetRule[] = [
  { above: 0.5, use: 'cheaper' },
  { above: 0.8, use: 'cheapest' },
  { above: 1, block: 'Budget reached' },
];
const at = (fraction: number): BudgetState => ({ scope: 'key', id: 'key_a', limitUsd: 1, spentUsd: fraction, reservedUsd: 0, fraction, period: 'day', periodEnd: 0 });

describe('onBudgetRule', () => {
  it('applies the rule with the highest share at or below the fraction', () => {
    expect(onBudgetRule(rules, at(0.49))).toBeUndefined();
    expect(onBudgetRule(rules, at(0.5))?.use).toBe('cheaper');
    expect(onBudgetRule(rules, at(0.99))?.use).toBe('cheapest');
    expect(onBudgetRule(rules, at(1))?.block).toBe('Budget reached');
    expect(onBudgetRule(rules, undefined)).toBeUndefined();
    expect(onBudgetRule(undefined, at(2))).toBeUndefined();
  });

  it('shows the state and the rule that held', () => {
    expect(budgetDecision(at(0.9), rules[1])).toEqual({ ...at(0.9), rule: { above: 0.8, use: 'cheapest' } });
    expect(budgetDecision(at(0.1), undefined)).toEqual(at(0.1));
  });
});
