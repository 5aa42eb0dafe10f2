import { describe, expect, it } from 'vitest';
import type { ModelPrice } from '../spec/model-spec.js';
import type { Usage } from '../spec/usage.js';
import { computeCost, formatCost } from './compute-cost.js';

function usage(counts: Partial<Usage>): Usage {
  return {
    inputTokens: undefined,
    cachedInputTokens: undefined,
    cacheWriteTokens: undefined,
    outputTokens: undefined,
    reasoningTokens: undefined,
    estimated: false,
    ...counts,
  };
}

/** USD per 1M tokens. */
const PRICE: ModelPrice = { input: 2, cachedInput: 0.5, cacheWrite: 2.5, output: 8 };
const NO_CACHE_PRICES: ModelPrice = { input: 2, cachedInput: undefined, cacheWrite: undefined, output: 8 };

describe('computeCost', () => {
  it('prices input and output tokens per million', () => {
    // 1000 * $2/M + 500 * $8/M = 0.002 + 0.004
    expect(computeCost(usage({ inputTokens: 1000, outputTokens: 500 }), PRICE)).toBeCloseTo(0.006, 12);
  });

  it('costs one million input tokens exactly the input price', () => {
    expect(computeCost(usage({ inputTokens: 1_000_000, outputTokens: 0 }), PRICE)).toBe(2);
    expect(computeCost(usage({ inputTokens: 0, outputTokens: 1_000_000 }), PRICE)).toBe(8);
  });

  it('bills cached input tokens at the cached price and the rest at the input price', () => {
    // 600 * 2 + 400 * 0.5 + 0 output = 1400 micro-dollars
    expect(computeCost(usage({ inputTokens: 1000, cachedInputTokens: 400, outputTokens: 0 }), PRICE)).toBeCloseTo(0.0014, 12);
  });

  it('bills cache writes at the cache_write price', () => {
    // 700 * 2 + 300 * 2.5 = 2150 micro-dollars
    expect(computeCost(usage({ inputTokens: 1000, cacheWriteTokens: 300, outputTokens: 0 }), PRICE)).toBeCloseTo(0.00215, 12);
  });

  it('bills one-hour cache writes at their own price, and at the cache_write price where there is none', () => {
    // 600 * 2 + 100 * 2.5 + 300 * 4 = 1200 + 250 + 1200 micro-dollars
    const written = usage({ inputTokens: 1000, cacheWriteTokens: 400, cacheWrite1hTokens: 300, outputTokens: 0 });
    expect(computeCost(written, { ...PRICE, cacheWrite1h: 4 })).toBeCloseTo(0.00265, 12);
    // 600 * 2 + 400 * 2.5
    expect(computeCost(written, PRICE)).toBeCloseTo(0.0022, 12);
  });

  it('combines regular, cached, written and output tokens', () => {
    // 500 * 2 + 400 * 0.5 + 100 * 2.5 + 200 * 8 = 1000 + 200 + 250 + 1600
    const cost = computeCost(usage({ inputTokens: 1000, cachedInputTokens: 400, cacheWriteTokens: 100, outputTokens: 200 }), PRICE);
    expect(cost).toBeCloseTo(0.00305, 12);
  });

  it('falls back to the input price when the model has no cached or cache-write price', () => {
    const cost = computeCost(usage({ inputTokens: 1000, cachedInputTokens: 400, cacheWriteTokens: 100, outputTokens: 0 }), NO_CACHE_PRICES);
    expect(cost).toBeCloseTo(0.002, 12);
  });

  it('does not bill reasoning tokens on top of output tokens', () => {
    expect(computeCost(usage({ inputTokens: 0, outputTokens: 100, reasoningTokens: 80 }), PRICE)).toBeCloseTo(0.0008, 12);
  });

  it('never bills a negative number of regular input tokens when cache counts exceed the input', () => {
    // regular clamps to 0: 800 * 0.5 + 300 * 2.5 = 1150 micro-dollars
    const cost = computeCost(usage({ inputTokens: 1000, cachedInputTokens: 800, cacheWriteTokens: 300, outputTokens: 0 }), PRICE);
    expect(cost).toBeCloseTo(0.00115, 12);
  });

  it('is undefined, never 0, when the input count is unknown', () => {
    expect(computeCost(usage({ outputTokens: 10 }), PRICE)).toBeUndefined();
  });

  it('is undefined, never 0, when the output count is unknown', () => {
    expect(computeCost(usage({ inputTokens: 10 }), PRICE)).toBeUndefined();
  });

  it('is undefined when there is no usage', () => {
    expect(computeCost(undefined, PRICE)).toBeUndefined();
  });

  it('is 0 for zero tokens', () => {
    expect(computeCost(usage({ inputTokens: 0, outputTokens: 0 }), PRICE)).toBe(0);
  });
});

describe('formatCost', () => {
  it('prints tiny costs without an exponent', () => {
    expect(String(2e-8)).toContain('e');
    expect(formatCost(2e-8)).toBe('0.00000002');
    expect(formatCost(1.5e-7)).toBe('0.00000015');
  });

  it('trims trailing zeros', () => {
    expect(formatCost(0.00305)).toBe('0.00305');
    expect(formatCost(0.5)).toBe('0.5');
  });

  it('prints 0 and whole numbers without a decimal point', () => {
    expect(formatCost(0)).toBe('0');
    expect(formatCost(12)).toBe('12');
    expect(formatCost(100)).toBe('100');
  });

  it('hides floating-point noise beyond 12 decimals', () => {
    expect(formatCost(0.1 + 0.2)).toBe('0.3');
  });

  it('keeps digits of a cost with an integer part', () => {
    expect(formatCost(1234.000001)).toBe('1234.000001');
  });
});
