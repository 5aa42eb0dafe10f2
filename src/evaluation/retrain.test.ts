import { describe, expect, it } from 'vitest';
import { seededRandom } from '../util/seeded-random.js';
import { bootstrapMean, renameModels } from './retrain.js';

describe('bootstrapMean', () => {
  it('gives a zero-width interval for a constant difference', () => {
    expect(bootstrapMean([0.25, 0.25, 0.25], 200, seededRandom(1))).toEqual({ mean: 0.25, low: 0.25, high: 0.25 });
  });

  it('brackets the mean of a coin with about ±2 standard errors, the same for the same seed', () => {
    const values = Array.from({ length: 100 }, (_, index) => index % 2);
    const interval = bootstrapMean(values, 2000, seededRandom(3));
    expect(interval.mean).toBe(0.5);
    // Standard error 0.05: the 95% interval is about 0.40..0.60.
    expect(interval.low).toBeGreaterThan(0.38);
    expect(interval.low).toBeLessThan(0.42);
    expect(interval.high).toBeGreaterThan(0.58);
    expect(interval.high).toBeLessThan(0.62);
    expect(bootstrapMean(values, 2000, seededRandom(3))).toEqual(interval);
  });
});

describe('renameModels', () => {
  it('names the data models as the catalog does, scores and costs alike, keeping unmapped ones', () => {
    const example = { id: '1', line: 1, messages: [], scores: { 'gpt-4-1106-preview': 1, other: 0 }, costs: { 'gpt-4-1106-preview': 0.01 }, contaminated: false };
    expect(renameModels(example, new Map([['gpt-4-1106-preview', 'strong']]))).toMatchObject({ scores: { strong: 1, other: 0 }, costs: { strong: 0.01 } });
  });
});
