import { tunableParameter, type TunableParameter } from '../routing/policies/predicted/tunable-parameter.js';
import { inHoldout } from '../learning/scored-data.js';
import { seededRandom } from '../util/seeded-random.js';
import { certifiedSetting, type CalibrationTarget, type SettingPoint } from './certified-setting.js';
import { evaluateAt, redecider, type PolicyLocation } from './policy-sweep.js';
import type { Replay, ReplayRow } from './replay.js';

export type { CalibrationTarget } from './certified-setting.js';

export type Interval = { mean: number; low: number; high: number };

/**
 * How sure a certificate is unless told otherwise. 0.95 rather than 0.9: the promise is on the
 * expected quality, and a check on a held-back half as large as the calibration half adds noise of
 * its own, so at 0.9 the check would miss about one time in ten (see test/learning/calibrate-guarantee.test.ts).
 */
export const DEFAULT_CONFIDENCE = 0.95;

export type Calibration = {
  location: PolicyLocation;
  parameter: TunableParameter['key'];
  /** The value chosen: the certified one, or the closest when none is. */
  value: number;
  /** The quality the target asks for, estimated on the calibration split for a reference share (undefined for a budget). */
  requiredQuality: number | undefined;
  confidence: number;
  /**
   * Whether `value` is certified: with probability at least `confidence` over the draw of the
   * calibration prompts, its expected quality (cost, for a budget) on new prompts from the same
   * distribution meets the target.
   */
  certified: boolean;
  /** `met` is `certified`. */
  calibration: { examples: number; quality: number; cost: number; met: boolean };
  /** What the calibration split's mean alone would pick (no guarantee); undefined when no value meets the target there. */
  pointEstimate: SettingPoint | undefined;
  /** For a budget: the most a request may cost, which the guarantee assumes (the dearest answer in the data). */
  costCeiling: number | undefined;
  /** The chosen value on the examples not used to choose it, with 95% bootstrap intervals. */
  check: { examples: number; quality: Interval; cost: Interval; referenceQuality: number | undefined; met: boolean };
};

const BOOTSTRAP_ROUNDS = 1000;

/**
 * Picks the policy's `min_quality` / `threshold` that is certified to meet the target at least
 * cost (or, for a budget, at the best quality within it) on a calibration split
 * (`certifiedSetting`), and reports how the choice does on the examples held back from choosing,
 * with bootstrap confidence intervals.
 */
export function calibrate(
  replay: Replay,
  location: PolicyLocation,
  target: CalibrationTarget,
  options: { split: number; seed: number; confidence: number },
): Calibration {
  const routed = replay.rows.filter((row) => row.chosen !== undefined);
  const calibrationRows: ReplayRow[] = [];
  const checkRows: ReplayRow[] = [];
  for (const row of routed) (inHoldout(row.example.id, options.split, options.seed) ? checkRows : calibrationRows).push(row);
  if (calibrationRows.length === 0 || checkRows.length === 0) throw new RangeError(`--split ${options.split} leaves one side empty; use a value between 0 and 1 with enough examples`);
  const chosen = certifiedSetting(replay, location, target, { calibration: calibrationRows, heldBack: checkRows }, options);

  const redecide = redecider(replay, location);
  const check = evaluateAt(checkRows, replay.columns.length, redecide, chosen.value);
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
  const reference = replay.reference;
  const checkReference = reference === undefined ? undefined : checkRows.reduce((sum, row) => sum + (row.quality[reference] as number), 0) / checkRows.length;
  const checkRequired = target.kind === 'reference_share' && checkReference !== undefined ? target.share * checkReference : chosen.requiredQuality;
  return {
    location,
    parameter: tunableParameter(location.target).key,
    value: chosen.value,
    requiredQuality: chosen.requiredQuality,
    confidence: options.confidence,
    certified: chosen.certified,
    calibration: { examples: calibrationRows.length, quality: chosen.calibration.quality, cost: chosen.calibration.cost, met: chosen.certified },
    pointEstimate: chosen.pointEstimate,
    costCeiling: chosen.costCeiling,
    check: {
      examples: checkRows.length,
      quality: interval(qualities, check.quality),
      cost: interval(costs, check.cost),
      referenceQuality: checkReference,
      met: checkRequired !== undefined ? check.quality >= checkRequired - 1e-12 : check.cost * 1000 <= (target as { usdPer1k: number }).usdPer1k + 1e-12,
    },
  };
}
