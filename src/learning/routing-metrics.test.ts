import { describe, expect, it } from 'vitest';
import { seededRandom } from '../util/seeded-random.js';
import { callPerformanceThreshold, quantile, thresholdCurve, twoModelMetrics, THRESHOLD_COUNT, type CurvePoint } from './routing-metrics.js';

const shares = (curve: readonly CurvePoint[]): number[] => curve.map((point) => point.strongShare);
const qualities = (curve: readonly CurvePoint[]): number[] => curve.map((point) => point.quality);

function expectAllClose(actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, index) => expect(value, `index ${index}`).toBeCloseTo(expected[index] as number, 10));
}

describe('quantile', () => {
  it('interpolates linearly as numpy does', () => {
    // np.quantile([1, 2, 3, 4], q): position (n - 1)·q between neighbours.
    expect(quantile([1, 2, 3, 4], 0.1)).toBeCloseTo(1.3, 12);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7, 12);
    expect(quantile([3, 7], 0.25)).toBe(4);
    expect(quantile([0, 10, 20, 30, 40], 0.25)).toBe(10);
    expect(quantile([0, 10, 20, 30, 40], 0.3)).toBeCloseTo(12, 12);
  });

  it('returns the ends at q = 0 and q = 1, and the value of a single element', () => {
    expect(quantile([-5, -1, 2, 9], 0)).toBe(-5);
    expect(quantile([-5, -1, 2, 9], 1)).toBe(9);
    expect(quantile([42], 0.37)).toBe(42);
    expect(quantile(Float64Array.from([1, 1, 1, 5]), 0.9)).toBeCloseTo(3.8, 12);
  });

  it('rejects no values', () => {
    expect(() => quantile([], 0.5)).toThrow(RangeError);
  });
});

// Ten prompts with distinct oracle scores: with n = 10 the 11 thresholds send exactly the top
// 0, 1, ..., 10 prompts to the strong model, so the curve can be worked out by hand.
//                 strong, weak, strong − weak
const ROWS: [number, number][] = [
  [10, 2], //  8
  [9, 4], //   5
  [8, 5], //   3
  [7, 5], //   2
  [6, 5], //   1
  [9, 9], //   0
  [5, 6], //  -1
  [4, 6], //  -2
  [3, 6], //  -3
  [2, 7], //  -5
];
const STRONG = ROWS.map(([strong]) => strong);
const WEAK = ROWS.map(([, weak]) => weak);
const ORACLE = ROWS.map(([strong, weak]) => strong - weak);

describe('twoModelMetrics on a hand-made oracle', () => {
  it('gives the curve, APGR and CPTs computed by hand', () => {
    const metrics = twoModelMetrics(ORACLE, STRONG, WEAK);
    expect(metrics.n).toBe(10);
    expect(metrics.strongQuality).toBeCloseTo(6.3, 12);
    expect(metrics.weakQuality).toBeCloseTo(5.5, 12);
    expect(metrics.curve).toHaveLength(THRESHOLD_COUNT);
    expectAllClose(shares(metrics.curve), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    // Weak sum 55 plus the top-j gains 8, 5, 3, 2, 1, 0, -1, -2, -3, -5, over 10 prompts.
    expectAllClose(qualities(metrics.curve), [5.5, 6.3, 6.8, 7.1, 7.3, 7.4, 7.4, 7.3, 7.1, 6.8, 6.3]);
    // Quantiles of the sorted scores -5, -3, -2, -1, 0, 1, 2, 3, 5, 8 at positions 9k/10, by increasing share.
    expectAllClose(
      metrics.curve.map((point) => point.threshold),
      [8, 5.3, 3.4, 2.3, 1.4, 0.5, -0.4, -1.3, -2.2, -3.2, -5],
    );
    // Area 0.1 · (75.3 − (5.5 + 6.3) / 2) = 6.94; (6.94 − 5.5) / 0.8 = 1.8.
    expect(metrics.apgr).toBeCloseTo(1.8, 10);
    expect(metrics.apgr as number).toBeGreaterThan(1);
    // PGR 0.5 = quality 5.9, halfway from (0, 5.5) to (0.1, 6.3); PGR 0.8 = 6.14, 80% of the way.
    expect(metrics.cpt50).toBeCloseTo(5, 10);
    expect(metrics.cpt80).toBeCloseTo(8, 10);
  });

  it('gives a router scoring the reverse of the oracle an APGR below 0.5 (here 1 − 1.8)', () => {
    const metrics = twoModelMetrics(
      ORACLE.map((score) => -score),
      STRONG,
      WEAK,
    );
    expectAllClose(qualities(metrics.curve), [5.5, 5.0, 4.7, 4.5, 4.4, 4.4, 4.5, 4.7, 5.0, 5.5, 6.3]);
    expect(metrics.apgr).toBeCloseTo(-0.8, 10);
    expect(metrics.apgr as number).toBeLessThan(0.5);
    // Reached only on the last segment, (0.9, 5.5) → (1, 6.3).
    expect(metrics.cpt50).toBeCloseTo(95, 10);
    expect(metrics.cpt80).toBeCloseTo(98, 10);
  });

  it('does not depend on the order of the prompts', () => {
    const order = [3, 9, 0, 6, 1, 8, 2, 7, 5, 4];
    const metrics = twoModelMetrics(
      order.map((index) => ORACLE[index] as number),
      order.map((index) => STRONG[index] as number),
      order.map((index) => WEAK[index] as number),
    );
    expect(metrics.apgr).toBeCloseTo(1.8, 10);
    expect(metrics.cpt50).toBeCloseTo(5, 10);
  });
});

describe('twoModelMetrics of a random router', () => {
  it('scores about 0.5 APGR, 50% CPT(50%) and 80% CPT(80%)', () => {
    const random = seededRandom(20240810);
    const n = 20_000;
    const scores = new Float64Array(n);
    const strong = new Float64Array(n);
    const weak = new Float64Array(n);
    for (let row = 0; row < n; row++) {
      strong[row] = random() < 0.8 ? 1 : 0;
      weak[row] = random() < 0.6 ? 1 : 0;
      scores[row] = random();
    }
    const metrics = twoModelMetrics(scores, strong, weak);
    expect(metrics.strongQuality).toBeGreaterThan(0.78);
    expect(metrics.strongQuality).toBeLessThan(0.82);
    expect(metrics.weakQuality).toBeGreaterThan(0.58);
    expect(metrics.weakQuality).toBeLessThan(0.62);
    expect(Math.abs((metrics.apgr as number) - 0.5)).toBeLessThan(0.03);
    expect(Math.abs((metrics.cpt50 as number) - 50)).toBeLessThan(3);
    expect(Math.abs((metrics.cpt80 as number) - 80)).toBeLessThan(3);
    // Distinct scores: the 11 points are 0%, 10%, ..., 100% of the prompts, to within one prompt.
    shares(metrics.curve).forEach((share, index) => expect(Math.abs(share - index / 10)).toBeLessThanOrEqual(1 / n));
  });
});

describe('ties', () => {
  it('with every score equal, the curve jumps from all weak to all strong and APGR is exactly 0.5', () => {
    // Strong mean 0.75, weak mean 0.25: every threshold is 0.3; ≥ sends all, the last (>) sends none.
    const metrics = twoModelMetrics([0.3, 0.3, 0.3, 0.3], [1, 1, 1, 0], [0, 0, 1, 0]);
    expect(shares(metrics.curve)).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(qualities(metrics.curve)).toEqual([0.25, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75]);
    expect(metrics.curve.every((point) => point.threshold === 0.3)).toBe(true);
    // Area (0.25 + 0.75) / 2 = 0.5; (0.5 − 0.25) / 0.5.
    expect(metrics.apgr).toBe(0.5);
    // On the one segment from (0, 0.25) to (1, 0.75): PGR x at x·100%.
    expect(metrics.cpt50).toBeCloseTo(50, 10);
    expect(metrics.cpt80).toBeCloseTo(80, 10);
  });

  it('sends nothing to the strong model at the last threshold, even when several prompts tie at the max', () => {
    const curve = thresholdCurve([0.1, 0.9, 0.5, 0.9], [1, 1, 1, 1], [0, 0, 0, 0]);
    expect(curve[0]).toEqual({ threshold: 0.9, strongShare: 0, quality: 0 });
    // The 70%, 80% and 90% quantiles (positions 2.1, 2.4, 2.7) are 0.9 too: there ≥ sends both tied prompts.
    expect(shares(curve.filter((point) => point.threshold === 0.9))).toEqual([0, 0.5, 0.5, 0.5]);
    expect(curve.at(-1)).toEqual({ threshold: 0.1, strongShare: 1, quality: 1 });
    expect(shares(curve)).toEqual([0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.75, 0.75, 0.75, 1]);
  });

  it('counts a score equal to a middle threshold as strong', () => {
    // Scores 1..5: the 50% quantile is exactly 3, and ≥ 3 sends 3 of 5.
    const curve = thresholdCurve([5, 4, 3, 2, 1], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]);
    const middle = curve.find((point) => point.threshold === 3);
    expect(middle?.strongShare).toBe(0.6);
  });
});

describe('callPerformanceThreshold', () => {
  const curve: CurvePoint[] = [
    { threshold: 3, strongShare: 0, quality: 0.2 },
    { threshold: 2, strongShare: 0.4, quality: 0.6 },
    { threshold: 1, strongShare: 0.5, quality: 0.4 },
    { threshold: 0, strongShare: 1, quality: 0.9 },
  ];

  it('interpolates linearly between the points around the first crossing', () => {
    // (0.5 − 0.2) / (0.6 − 0.2) = 0.75 of the way from 0 to 0.4 → 30%.
    expect(callPerformanceThreshold(curve, 0.5)).toBeCloseTo(30, 10);
    // Only the last segment reaches 0.8: (0.8 − 0.4) / 0.5 = 0.8 of 0.5..1 → 90%.
    expect(callPerformanceThreshold(curve, 0.8)).toBeCloseTo(90, 10);
  });

  it('returns the first point when it already reaches the target, and the exact point when hit', () => {
    expect(callPerformanceThreshold(curve, 0.1)).toBe(0);
    expect(callPerformanceThreshold(curve, 0.6)).toBeCloseTo(40, 10);
    const startsHigh: CurvePoint[] = [{ threshold: 1, strongShare: 0.25, quality: 0.7 }];
    expect(callPerformanceThreshold(startsHigh, 0.5)).toBe(25);
  });

  it('returns undefined when the curve never reaches the target', () => {
    expect(callPerformanceThreshold(curve, 0.95)).toBeUndefined();
  });
});

describe('degenerate inputs', () => {
  it('has no APGR or CPT when the models score the same on average', () => {
    const metrics = twoModelMetrics([0.9, 0.1], [1, 0], [0, 1]);
    expect(metrics.strongQuality).toBe(metrics.weakQuality);
    expect(metrics.apgr).toBeUndefined();
    expect(metrics.cpt50).toBeUndefined();
    expect(metrics.cpt80).toBeUndefined();
    expect(metrics.curve).toHaveLength(THRESHOLD_COUNT);
  });

  it('rejects empty or mismatched inputs', () => {
    expect(() => thresholdCurve([], [], [])).toThrow(RangeError);
    expect(() => thresholdCurve([0.1, 0.2], [1], [0, 1])).toThrow(RangeError);
    expect(() => twoModelMetrics([0.1], [1], [0, 1])).toThrow(RangeError);
  });
});
