import { describe, expect, it } from 'vitest';
import { compileCondition, type MatchInput } from './compile-condition.js';

/** A match input whose complexity is fixed, to test the bounds exactly. */
function withComplexity(score: number): MatchInput & { calls: number } {
  const input = {
    calls: 0,
    text: () => 'some text',
    complexity: () => {
      input.calls++;
      return score;
    },
    metadata: undefined,
  };
  return input;
}

describe('complexity condition', () => {
  const between = compileCondition({ complexity: { min: 0.3, max: 0.7 } });

  it('matches inside the range and at both bounds, with the score as evidence', () => {
    expect(between(withComplexity(0.5))).toEqual([{ signal: 'complexity', score: 0.5 }]);
    expect(between(withComplexity(0.3))).toEqual([{ signal: 'complexity', score: 0.3 }]);
    expect(between(withComplexity(0.7))).toEqual([{ signal: 'complexity', score: 0.7 }]);
  });

  it('does not match outside the range', () => {
    expect(between(withComplexity(0.29999))).toBeUndefined();
    expect(between(withComplexity(0.70001))).toBeUndefined();
  });

  it('leaves an open side unbounded', () => {
    expect(compileCondition({ complexity: { min: 0.9 } })(withComplexity(1))).toEqual([{ signal: 'complexity', score: 1 }]);
    expect(compileCondition({ complexity: { min: 0.9 } })(withComplexity(0.89))).toBeUndefined();
    expect(compileCondition({ complexity: { max: 0.1 } })(withComplexity(0))).toEqual([{ signal: 'complexity', score: 0 }]);
    expect(compileCondition({ complexity: { max: 0.1 } })(withComplexity(0.11))).toBeUndefined();
  });

  it('rounds the evidence to 4 decimals', () => {
    expect(between(withComplexity(0.456789))).toEqual([{ signal: 'complexity', score: 0.4568 }]);
  });

  it('is not computed when an earlier test of the same `when` already matched', () => {
    const input = withComplexity(0.5);
    expect(compileCondition({ keywords: ['some'], complexity: { min: 0.3 } })(input)).toEqual([{ signal: 'keywords', match: 'some' }]);
    expect(input.calls).toBe(0);
  });
});
