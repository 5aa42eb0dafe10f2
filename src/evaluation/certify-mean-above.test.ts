import { describe, expect, it } from 'vitest';
import { seededRandom } from '../util/seeded-random.js';
import { certifyMeanAbove } from './certify-mean-above.js';

/** Share of `trials` samples of `n` draws (from `draw`) certified above `bound`. */
function certifiedShare(trials: number, n: number, draw: (random: () => number) => number, bound: number, range: { low: number; high: number }, confidence: number): number {
  const random = seededRandom(5);
  let certified = 0;
  for (let trial = 0; trial < trials; trial++) {
    const draws = Array.from({ length: n }, () => draw(random));
    if (certifyMeanAbove(draws, bound, range, confidence)) certified++;
  }
  return certified / trials;
}

const bernoulli = (p: number) => (random: () => number) => (random() < p ? 1 : 0);
/** A difference q − 0.9·q_ref as calibrate tests it: mostly a small positive value, rarely a large negative one. */
const difference = (rare: number) => (random: () => number) => (random() < rare ? -0.9 : 0.1);
const UNIT = { low: 0, high: 1 };
const DIFFERENCE = { low: -0.9, high: 1 };

describe('certifyMeanAbove', () => {
  it('certifies a mean that is only at the bound at most 1 − confidence of the time', () => {
    // 0/1 scores with mean exactly 0.7, tested against 0.7.
    expect(certifiedShare(2000, 200, bernoulli(0.7), 0.7, UNIT, 0.9)).toBeLessThanOrEqual(0.1);
    expect(certifiedShare(2000, 200, bernoulli(0.7), 0.7, UNIT, 0.95)).toBeLessThanOrEqual(0.05);
    // A low-variance difference with mean exactly 0 (0.1 × 0.9 − 0.9 × 0.1).
    expect(certifiedShare(2000, 300, difference(0.1), 0, DIFFERENCE, 0.9)).toBeLessThanOrEqual(0.1);
  });

  it('certifies a mean clearly above the bound', () => {
    expect(certifiedShare(200, 1000, bernoulli(0.8), 0.7, UNIT, 0.95)).toBeGreaterThanOrEqual(0.95);
    // Mean 0.05 on a range 1.9 wide: Hoeffding needs a margin of 1.9·√(ln 20 / 600) ≈ 0.13 on 300
    // draws and would certify nothing; the betting test uses the small variance.
    expect(certifiedShare(200, 300, difference(0.05), 0, DIFFERENCE, 0.95)).toBeGreaterThanOrEqual(0.8);
  });

  it('certifies nothing at or above the top of the range, and anything below its bottom', () => {
    expect(certifyMeanAbove([1, 1, 1], 1, UNIT, 0.9)).toBe(false);
    expect(certifyMeanAbove([1, 1, 1], 1.2, UNIT, 0.9)).toBe(false);
    expect(certifyMeanAbove([0, 0], -0.1, UNIT, 0.9)).toBe(true);
    expect(certifyMeanAbove([], 0.5, UNIT, 0.9)).toBe(false);
    expect(certifyMeanAbove([1, 1], 0.5, { low: 1, high: 1 }, 0.9)).toBe(false);
  });
});
