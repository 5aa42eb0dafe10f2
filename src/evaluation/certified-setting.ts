import type { Replay, ReplayRow } from './replay.js';
import { seededRandom } from '../util/seeded-random.js';
import { certifyMeanAbove } from './certify-mean-above.js';
import { evaluateAt, redecider, sweepValues, type PolicyLocation } from './policy-sweep.js';

/** What to meet: a share of the reference model's quality, an absolute quality, or a cost ceiling. */
export type CalibrationTarget =
  | { kind: 'reference_share'; share: number }
  | { kind: 'quality'; quality: number }
  | { kind: 'budget'; usdPer1k: number };

/** One value of the parameter and what it does on some prompts (mean quality, mean USD per request). */
export type SettingPoint = { value: number; quality: number; cost: number };

export type CertifiedSetting = {
  /** The value chosen: the certified one, or the closest when none is. */
  value: number;
  /**
   * Whether `value` is certified: with probability at least the confidence over the draw of the
   * calibration prompts, its expected quality (cost, for a budget) on new prompts from the same
   * distribution meets the target.
   */
  certified: boolean;
  /** The chosen value on the calibration prompts. */
  calibration: SettingPoint;
  /** The quality the target asks for, estimated on the calibration prompts for a reference share (undefined for a budget). */
  requiredQuality: number | undefined;
  /** What the calibration prompts' mean alone would pick (no guarantee), to show what the guarantee costs; undefined when no value meets the target there. */
  pointEstimate: SettingPoint | undefined;
  /** For a budget: the most a request may cost, which the guarantee assumes (the dearest answer in the data). */
  costCeiling: number | undefined;
};

/** How many quantiles of the held-back predictions are candidate values (plus the extremes): steps of about 1% of prompts. */
export const CANDIDATE_QUANTILES = 101;

/**
 * Picks the policy's `min_quality` / `threshold` with a guarantee, by Learn-then-Test fixed-sequence
 * testing (Angelopoulos et al., 2021): candidate values are ordered from the safest (dearest, for a
 * quality target; cheapest, for a budget) on, each is tested on the calibration prompts with a
 * one-sided betting test at the confidence asked, and testing stops at the first that fails. Every
 * value before it is certified at once (fixed-sequence testing needs no correction for their
 * number), so the cheapest of them (the best, for a budget) keeps the guarantee. The candidates and
 * their order come from the held-back prompts' predictions and costs, never from a calibration
 * prompt, which keeps each test exact.
 */
export function certifiedSetting(
  replay: Replay,
  location: PolicyLocation,
  target: CalibrationTarget,
  rows: { calibration: readonly ReplayRow[]; heldBack: readonly ReplayRow[] },
  options: { seed: number; confidence: number },
): CertifiedSetting {
  const { calibration, heldBack } = rows;
  const redecide = redecider(replay, location);
  const columns = replay.columns.length;
  const reference = replay.reference;
  if (target.kind === 'reference_share' && reference === undefined) throw new RangeError(`router "${replay.router.name}" has no reference model scored by the data; give --min-quality instead`);
  const requiredQuality =
    target.kind === 'reference_share'
      ? (target.share * calibration.reduce((sum, row) => sum + (row.quality[reference as number] as number), 0)) / calibration.length
      : target.kind === 'quality'
        ? target.quality
        : undefined;

  const route = location.route ?? 'default';
  if (!calibration.some((row) => row.route === route)) throw new RangeError(`no prompt of the calibration split reached the ${location.target.policy} policy`);
  const values = sweepValues(
    heldBack.filter((row) => row.route === route),
    location.target,
    CANDIDATE_QUANTILES,
  );
  if (values.length === 0) throw new RangeError(`no prompt of the held-back split reached the ${location.target.policy} policy; use a larger --split`);
  const heldBackCost = new Map(values.map((value) => [value, evaluateAt(heldBack, columns, redecide, value).cost]));
  const isBudget = target.kind === 'budget';
  // Safest first: for a quality target the dearest value (most prompts on strong models), for a budget the cheapest.
  const ordered = [...values].sort((a, b) => ((heldBackCost.get(a) as number) - (heldBackCost.get(b) as number)) * (isBudget ? 1 : -1));

  // The calibration prompts in an order independent of their scores: the betting test reads them in turn.
  const order = shuffle(
    calibration.map((_, index) => index),
    seededRandom(options.seed),
  );
  // Each value's choice per calibration prompt, decided once: the sweep and the tests read them.
  const decided = new Map(values.map((value) => [value, Int32Array.from(calibration, (row) => redecide(row, value) as number)]));
  const points = new Map(values.map((value) => [value, pointOf(value, calibration, decided.get(value) as Int32Array)]));
  const costCeiling = isBudget ? Math.max(...[...calibration, ...heldBack].map((row) => Math.max(...row.cost))) : undefined;
  const certifies = (value: number): boolean => {
    const chosen = decided.get(value) as Int32Array;
    const draws = order.map((index) => {
      const row = calibration[index] as ReplayRow;
      const column = chosen[index] as number;
      if (target.kind === 'reference_share') return (row.quality[column] as number) - target.share * (row.quality[reference as number] as number);
      if (target.kind === 'quality') return row.quality[column] as number;
      return target.usdPer1k / 1000 - (row.cost[column] as number);
    });
    if (target.kind === 'reference_share') return certifyMeanAbove(draws, 0, { low: -target.share, high: 1 }, options.confidence);
    if (target.kind === 'quality') return certifyMeanAbove(draws, target.quality, { low: 0, high: 1 }, options.confidence);
    const perRequest = target.usdPer1k / 1000;
    return certifyMeanAbove(draws, 0, { low: perRequest - (costCeiling as number), high: perRequest }, options.confidence);
  };
  const certified: SettingPoint[] = [];
  for (const value of ordered) {
    if (!certifies(value)) break;
    certified.push(points.get(value) as SettingPoint);
  }

  const cheaper = (a: SettingPoint, b: SettingPoint): boolean => a.cost < b.cost || (a.cost === b.cost && a.quality > b.quality);
  const better = (a: SettingPoint, b: SettingPoint): boolean => a.quality > b.quality || (a.quality === b.quality && a.cost < b.cost);
  const pick = (pool: SettingPoint[], prefer: (a: SettingPoint, b: SettingPoint) => boolean): SettingPoint => pool.reduce((best, point) => (prefer(point, best) ? point : best));
  const all = [...points.values()];
  // Among the certified values: the cheapest for a quality target, the best for a budget. With none, the closest: the best quality, or the cheapest.
  const chosen = certified.length > 0 ? pick(certified, isBudget ? better : cheaper) : pick(all, isBudget ? cheaper : better);
  const meets = (point: SettingPoint): boolean => (requiredQuality !== undefined ? point.quality >= requiredQuality - 1e-12 : point.cost * 1000 <= (target as { usdPer1k: number }).usdPer1k + 1e-12);
  const feasible = all.filter(meets);
  return {
    value: chosen.value,
    certified: certified.length > 0,
    calibration: chosen,
    requiredQuality,
    pointEstimate: feasible.length > 0 ? pick(feasible, isBudget ? better : cheaper) : undefined,
    costCeiling,
  };
}

/** Mean quality and cost of a value over prompts, from its choice per prompt (as `evaluateAt` sums them). */
function pointOf(value: number, rows: readonly ReplayRow[], chosen: Int32Array): SettingPoint {
  let quality = 0;
  let cost = 0;
  rows.forEach((row, index) => {
    quality += row.quality[chosen[index] as number] as number;
    cost += row.cost[chosen[index] as number] as number;
  });
  return { value, quality: quality / rows.length, cost: cost / rows.length };
}

/** A copy of `items` in a random order (Fisher–Yates). */
function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}
