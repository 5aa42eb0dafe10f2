/**
 * RouteLLM's two-model routing metrics, as defined in its `evals/evaluate.py` and
 * `evals/benchmarks.py` and restated in the shared benchmark README:
 * - thresholds: the 0%, 10%, ..., 100% quantiles of the router's scores (linear interpolation,
 *   as numpy/pandas compute them); the strong model is called when score ≥ threshold, except at
 *   the last threshold, where it is called when score > threshold (so nothing is);
 * - cost: the share of strong calls; quality: the mean score of the model chosen per prompt;
 * - APGR: trapezoid area under quality vs. cost, rescaled so always-weak is 0 and always-strong 1;
 * - CPT(x): the strong share at which the curve first reaches PGR = x, interpolated linearly.
 */

export type CurvePoint = {
  threshold: number;
  /** Share of prompts sent to the strong model, 0..1. */
  strongShare: number;
  quality: number;
};

export type TwoModelMetrics = {
  n: number;
  strongQuality: number;
  weakQuality: number;
  /** The 11 points, by increasing strong share. */
  curve: CurvePoint[];
  /** Undefined when both models score the same on average (the gap is zero). */
  apgr: number | undefined;
  /** % strong calls (0..100) to recover 50% / 80% of the gap; undefined when never reached. */
  cpt50: number | undefined;
  cpt80: number | undefined;
};

export const THRESHOLD_COUNT = 11;

/** The q-quantile (0..1) of sorted values, linearly interpolated (numpy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no values');
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const lowValue = sorted[low] as number;
  return lowValue + ((sorted[high] as number) - lowValue) * (position - low);
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let index = 0; index < values.length; index++) sum += values[index] as number;
  return sum / values.length;
}

/** The 11-point quality–cost curve of a score (higher = more in need of the strong model). */
export function thresholdCurve(scores: ArrayLike<number>, strong: ArrayLike<number>, weak: ArrayLike<number>): CurvePoint[] {
  const n = scores.length;
  if (n === 0 || strong.length !== n || weak.length !== n) throw new RangeError('scores, strong and weak must be non-empty and of equal length');
  const sorted = Float64Array.from(scores).sort();
  const points: CurvePoint[] = [];
  for (let index = 0; index < THRESHOLD_COUNT; index++) {
    const threshold = quantile(sorted, index / (THRESHOLD_COUNT - 1));
    const last = index === THRESHOLD_COUNT - 1;
    let strongCalls = 0;
    let quality = 0;
    for (let row = 0; row < n; row++) {
      const score = scores[row] as number;
      if (last ? score > threshold : score >= threshold) {
        strongCalls++;
        quality += strong[row] as number;
      } else quality += weak[row] as number;
    }
    points.push({ threshold, strongShare: strongCalls / n, quality: quality / n });
  }
  // Stable: points with the same share keep threshold order, which changes no area.
  return points.sort((a, b) => a.strongShare - b.strongShare);
}

export function twoModelMetrics(scores: ArrayLike<number>, strong: ArrayLike<number>, weak: ArrayLike<number>): TwoModelMetrics {
  const curve = thresholdCurve(scores, strong, weak);
  const strongQuality = mean(strong);
  const weakQuality = mean(weak);
  const gap = strongQuality - weakQuality;
  let area = 0;
  for (let index = 1; index < curve.length; index++) {
    const a = curve[index - 1] as CurvePoint;
    const b = curve[index] as CurvePoint;
    area += ((b.strongShare - a.strongShare) * (a.quality + b.quality)) / 2;
  }
  const span = (curve.at(-1) as CurvePoint).strongShare - (curve[0] as CurvePoint).strongShare;
  const apgr = gap === 0 || span === 0 ? undefined : (area - weakQuality * span) / (gap * span);
  return {
    n: scores.length,
    strongQuality,
    weakQuality,
    curve,
    apgr,
    cpt50: gap === 0 ? undefined : callPerformanceThreshold(curve, weakQuality + 0.5 * gap),
    cpt80: gap === 0 ? undefined : callPerformanceThreshold(curve, weakQuality + 0.8 * gap),
  };
}

/** % strong calls where the curve first reaches `target` quality, interpolated between points. */
export function callPerformanceThreshold(curve: readonly CurvePoint[], target: number): number | undefined {
  for (let index = 0; index < curve.length; index++) {
    const point = curve[index] as CurvePoint;
    if (point.quality < target) continue;
    if (index === 0) return point.strongShare * 100;
    const previous = curve[index - 1] as CurvePoint;
    const fraction = (target - previous.quality) / (point.quality - previous.quality);
    return (previous.strongShare + fraction * (point.strongShare - previous.strongShare)) * 100;
  }
  return undefined;
}
