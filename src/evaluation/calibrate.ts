import { tunableParameter } from '../routing/policies/predicted/tunable-parameter.js';
import { inHoldout } from '../learning/scored-data.js';
import { seededRandom } from '../util/seeded-random.js';
import { evaluateAt, redecider, sweepValues, type PolicyLocation, type SweepPoint } from './policy-sweep.js';
import type { Replay, ReplayRow } from './replay.js';

/** What to meet: a share of the reference model's quality, an absolute quality, or a cost ceiling. */
export type CalibrationTarget =
  | { kind: 'reference_share'; share: number }
  | { kind: 'quality'; quality: number }
  | { kind: 'budget'; usdPer1k: number };

export type Interval = { mean: number; low: number; high: number };

export type Calibration = {
  location: PolicyLocation;
  parameter: 'min_quality' | 'threshold';
  /** The value chosen on the calibration split. */
  value: number;
  /** The quality the target asked for (undefined for a budget). */
  requiredQuality: number | undefined;
  calibration: { examples: number; quality: number; cost: number; met: boolean };
  /** The chosen value on the examples not used to choose it, with 95% bootstrap intervals. */
  check: { examples: number; quality: Interval; cost: Interval; referenceQuality: number | undefined; met: boolean };
};

const BOOTSTRAP_ROUNDS = 1000;

/**
 * Picks the policy's `min_quality` / `threshold` that meets the target at least cost (or, for a
 * budget, at the best quality within it) on a calibration split, and reports how the choice
 * does on the examples held back from choosing, with bootstrap confidence intervals.
 */
export function calibrate(
  replay: Replay,
  location: PolicyLocation,
  target: CalibrationTarget,
  options: { split: number; seed: number },
): Calibration {
  const routed = replay.rows.filter((row) => row.chosen !== undefined);
  const calibrationRows: ReplayRow[] = [];
  const checkRows: ReplayRow[] = [];
  for (const row of routed) (inHoldout(row.example.id, options.split, options.seed) ? checkRows : calibrationRows).push(row);
  if (calibrationRows.length === 0 || checkRows.length === 0) throw new RangeError(`--split ${options.split} leaves one side empty; use a value between 0 and 1 with enough examples`);
  const redecide = redecider(replay, location);
  const columns = replay.columns.length;
  const referenceQuality = (rows: readonly ReplayRow[]): number | undefined => {
    const index = replay.reference;
    if (index === undefined) return undefined;
    return rows.reduce((sum, row) => sum + (row.quality[index] as number), 0) / rows.length;
  };
  let requiredQuality: number | undefined;
  if (target.kind === 'reference_share') {
    const reference = referenceQuality(calibrationRows);
    if (reference === undefined) throw new RangeError(`router "${replay.router.name}" has no reference model scored by the data; give --min-quality instead`);
    requiredQuality = target.share * reference;
  } else if (target.kind === 'quality') requiredQuality = target.quality;

  const route = location.route ?? 'default';
  const points = sweepValues(calibrationRows.filter((row) => row.route === route), location.target, 201).map((value) =>
    evaluateAt(calibrationRows, columns, redecide, value),
  );
  if (points.length === 0) throw new RangeError(`no prompt of the calibration split reached the ${location.target.policy} policy`);
  const meets = (point: SweepPoint): boolean => (requiredQuality !== undefined ? point.quality >= requiredQuality - 1e-12 : point.cost * 1000 <= (target as { usdPer1k: number }).usdPer1k + 1e-12);
  const feasible = points.filter(meets);
  // Among the points that meet the target: the cheapest for a quality target, the best for a budget.
  // With none, the closest: the best quality, or the cheapest.
  const pool = feasible.length > 0 ? feasible : points;
  const better = (a: SweepPoint, b: SweepPoint): boolean =>
    (requiredQuality !== undefined) === (feasible.length > 0)
      ? a.cost < b.cost || (a.cost === b.cost && a.quality > b.quality)
      : a.quality > b.quality || (a.quality === b.quality && a.cost < b.cost);
  const chosen = pool.reduce((best, point) => (better(point, best) ? point : best));

  const check = evaluateAt(checkRows, columns, redecide, chosen.value);
  const perRow = checkRows.map((row) => redecide(row, chosen.value) as number);
  const random = seededRandom(options.seed);
  const qualities: number[] = [];
  const costs: number[] = [];
  for (let round = 0; round < BOOTSTRAP_ROUNDS; round++) {
    let quality = 0;
    let cost = 0;
    for (let draw = 0; draw < checkRows.length; draw++) {
      const pick = Math.floor(random() * checkRows.length);
      const row = checkRows[pick] as ReplayRow;
      const column = perRow[pick] as number;
      quality += row.quality[column] as number;
      cost += row.cost[column] as number;
    }
    qualities.push(quality / checkRows.length);
    costs.push(cost / checkRows.length);
  }
  const interval = (samples: number[], mean: number): Interval => {
    samples.sort((a, b) => a - b);
    return { mean, low: samples[Math.floor(0.025 * samples.length)] as number, high: samples[Math.ceil(0.975 * samples.length) - 1] as number };
  };
  const checkReference = referenceQuality(checkRows);
  const checkRequired = target.kind === 'reference_share' && checkReference !== undefined ? target.share * checkReference : requiredQuality;
  return {
    location,
    parameter: tunableParameter(location.target).key,
    value: chosen.value,
    requiredQuality,
    calibration: { examples: calibrationRows.length, quality: chosen.quality, cost: chosen.cost, met: meets(chosen) },
    check: {
      examples: checkRows.length,
      quality: interval(qualities, check.quality),
      cost: interval(costs, check.cost),
      referenceQuality: checkReference,
      met: checkRequired !== undefined ? check.quality >= checkRequired - 1e-12 : check.cost * 1000 <= (target as { usdPer1k: number }).usdPer1k + 1e-12,
    },
  };
}
