import { describe, expect, it } from 'vitest';
import type { RouteSpec, RouterSpec } from '../routing/router-spec.js';
import type { TargetSpec } from '../routing/policies/policy-registry.js';
import { inHoldout } from '../learning/scored-data.js';
import { TrainedRouter } from '../learning/trained-router.js';
import { compilePredictedPolicy } from '../routing/policies/predicted/compile-predicted-policy.js';
import type { Prediction } from '../spec/decision.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { DEFAULT_RELIABILITY } from '../spec/reliability.js';
import { seededRandom } from '../util/seeded-random.js';
import { calibrate } from './calibrate.js';
import { CANDIDATE_QUANTILES } from './certified-setting.js';
import { evaluateAt, onlyPredictedTarget, predictedTargets, redecider, sweepValues, type PolicyLocation, type SweepPoint } from './policy-sweep.js';
import type { Replay, ReplayRow } from './replay.js';

const SMALL = 0;
const BIG = 1;
const round4 = (value: number): number => Math.round(value * 10_000) / 10_000;

function route(name: string, target: TargetSpec): RouteSpec {
  return { name, description: undefined, when: undefined, action: { type: 'target', target }, system: undefined, failoverOnContentFilter: false, overrideSticky: false };
}

function router(defaultTarget: TargetSpec, routes: RouteSpec[]): RouterSpec {
  return { name: 'auto', description: undefined, reference: 'big', matchOn: 'last_user', classifier: undefined, encoder: undefined, routes, defaultTarget, fallbacks: new Map(), sticky: undefined };
}

function row(id: string, routeName: string | null, chosen: number | undefined, prediction: Prediction | null, quality: [number, number], cost: [number, number]): ReplayRow {
  return {
    example: { id, line: 1, messages: [{ role: 'user', content: `prompt ${id}` }], scores: {}, costs: undefined, contaminated: false },
    chosen,
    route: routeName,
    prediction,
    quality: Float64Array.from(quality),
    cost: Float64Array.from(cost),
  };
}

function strongWeak(gain: number, threshold: number): Prediction {
  return { policy: 'strong_weak', predicted: { small: 0.5, big: round4(0.5 + gain) }, threshold, gain, chosen: gain >= threshold ? 'big' : 'small' };
}

const STRONG_WEAK: TargetSpec = { policy: 'strong_weak', strong: 'big', weak: 'small', threshold: 0.1 };

/**
 * 200 prompts the default strong_weak policy decides, with an informative gain: 40% need the big
 * model (the small one rarely gets them right) and get a gain 0.35 higher on average; plus 20
 * prompts a `code` rule sends to the big model.
 */
function makeReplay(): Replay {
  const random = seededRandom(7);
  const rows: ReplayRow[] = [];
  for (let index = 0; index < 200; index++) {
    const needsStrong = random() < 0.4;
    const small = needsStrong ? (random() < 0.2 ? 1 : 0) : random() < 0.9 ? 1 : 0;
    const big = random() < 0.9 ? 1 : 0;
    const gain = round4((needsStrong ? 0.35 : 0) + random() * 0.4 - 0.2);
    const cost: [number, number] = [0.0002 + random() * 0.0001, 0.002 + random() * 0.001];
    rows.push(row(`p${index}`, 'default', gain >= 0.1 ? BIG : SMALL, strongWeak(gain, 0.1), [small, big], cost));
  }
  for (let index = 0; index < 20; index++) rows.push(row(`code${index}`, 'code', BIG, null, [0, 1], [0.0002, 0.002]));
  return {
    router: router(STRONG_WEAK, [route('code', { policy: 'single', model: 'big' })]),
    columns: [
      { model: 'small', data: 'small', price: 1 },
      { model: 'big', data: 'big', price: 10 },
    ],
    targetModels: new Set(['small', 'big']),
    reference: BIG,
    rows,
    contaminated: 0,
    costSource: 'data',
  };
}

const REPLAY = makeReplay();
const LOCATION = onlyPredictedTarget(REPLAY) as PolicyLocation;
const OPTIONS = { split: 0.3, seed: 11, confidence: 0.95 };
const CALIBRATION_ROWS = REPLAY.rows.filter((entry) => !inHoldout(entry.example.id, OPTIONS.split, OPTIONS.seed));
const CHECK_ROWS = REPLAY.rows.filter((entry) => inHoldout(entry.example.id, OPTIONS.split, OPTIONS.seed));

/** Quality and cost at a threshold, computed directly: the default route re-decided, the rule route as it was. */
function direct(rows: readonly ReplayRow[], threshold: number): { quality: number; cost: number } {
  let quality = 0;
  let cost = 0;
  for (const entry of rows) {
    const column = entry.prediction?.policy === 'strong_weak' ? (entry.prediction.gain >= threshold ? BIG : SMALL) : (entry.chosen as number);
    quality += entry.quality[column] as number;
    cost += entry.cost[column] as number;
  }
  return { quality: quality / rows.length, cost: cost / rows.length };
}

/** Every point calibrate may choose from, on the calibration prompts, by brute force over its sweep values (from the held-back prompts' predictions). */
function calibrationPoints(): SweepPoint[] {
  const redecide = redecider(REPLAY, LOCATION);
  const defaults = CHECK_ROWS.filter((entry) => entry.route === 'default');
  return sweepValues(defaults, LOCATION.target, CANDIDATE_QUANTILES).map((value) => evaluateAt(CALIBRATION_ROWS, 2, redecide, value));
}

describe('calibrate', () => {
  it('uses a split with both sides populated', () => {
    expect(LOCATION).toEqual({ target: STRONG_WEAK, route: undefined });
    expect(CALIBRATION_ROWS.length).toBeGreaterThan(100);
    expect(CHECK_ROWS.length).toBeGreaterThan(30);
  });

  it('picks a certified threshold, dearer than the cheapest that meets a quality target on the calibration split', () => {
    const points = calibrationPoints();
    const allWeak = direct(CALIBRATION_ROWS, 1);
    const allStrong = direct(CALIBRATION_ROWS, -1);
    const required = 0.8;
    // The target lies strictly between always-weak and always-strong: a real trade-off.
    expect(allWeak.quality).toBeLessThan(required);
    expect(allStrong.quality).toBeGreaterThan(required);

    const result = calibrate(REPLAY, LOCATION, { kind: 'quality', quality: required }, OPTIONS);
    expect(result.parameter).toBe('threshold');
    expect(result.requiredQuality).toBe(required);
    expect(result.confidence).toBe(0.95);
    expect(result.calibration.examples).toBe(CALIBRATION_ROWS.length);
    expect(result.certified).toBe(true);
    expect(result.calibration.met).toBe(true);
    expect(result.calibration.quality).toBeGreaterThanOrEqual(required);
    expect(result.value).toBeGreaterThan(-0.2);
    expect(result.value).toBeLessThan(0.55);
    // What calibrate reports is what the threshold does, computed independently.
    const at = direct(CALIBRATION_ROWS, result.value);
    expect(result.calibration.quality).toBeCloseTo(at.quality, 12);
    expect(result.calibration.cost).toBeCloseTo(at.cost, 15);
    // The point estimate is the cheapest sweep point that meets the target on these prompts; the certified choice pays for its margin.
    const feasible = points.filter((point) => point.quality >= required);
    const cheapest = Math.min(...feasible.map((point) => point.cost));
    expect(result.pointEstimate?.cost).toBe(cheapest);
    expect(result.pointEstimate?.quality).toBeGreaterThanOrEqual(required);
    expect(result.calibration.cost).toBeGreaterThan(cheapest);
    expect(result.calibration.quality).toBeGreaterThan(result.pointEstimate?.quality as number);
    expect(points.some((point) => point.value === result.value)).toBe(true);
    expect(result.calibration.cost).toBeLessThan(allStrong.cost);
  });

  it('reports the chosen threshold on the held-back examples', () => {
    const required = 0.8;
    const result = calibrate(REPLAY, LOCATION, { kind: 'quality', quality: required }, OPTIONS);
    const at = direct(CHECK_ROWS, result.value);
    expect(result.check.examples).toBe(CHECK_ROWS.length);
    expect(result.check.quality.mean).toBeCloseTo(at.quality, 12);
    expect(result.check.cost.mean).toBeCloseTo(at.cost, 15);
    expect(result.check.met).toBe(at.quality >= required);
    const bigOnCheck = CHECK_ROWS.reduce((sum, entry) => sum + (entry.quality[BIG] as number), 0) / CHECK_ROWS.length;
    expect(result.check.referenceQuality).toBeCloseTo(bigOnCheck, 12);
  });

  it('derives the required quality from the reference model for a reference share', () => {
    const bigOnCalibration = CALIBRATION_ROWS.reduce((sum, entry) => sum + (entry.quality[BIG] as number), 0) / CALIBRATION_ROWS.length;
    const result = calibrate(REPLAY, LOCATION, { kind: 'reference_share', share: 0.9 }, OPTIONS);
    expect(result.requiredQuality).toBeCloseTo(0.9 * bigOnCalibration, 12);
    const feasible = calibrationPoints().filter((point) => point.quality >= 0.9 * bigOnCalibration - 1e-12);
    expect(result.pointEstimate?.cost).toBe(Math.min(...feasible.map((point) => point.cost)));
    expect(result.certified).toBe(true);
    expect(result.calibration.cost).toBeGreaterThanOrEqual(result.pointEstimate?.cost as number);
    expect(result.calibration.quality).toBeGreaterThanOrEqual(result.requiredQuality as number);
  });

  it('picks the best quality within a budget', () => {
    const points = calibrationPoints();
    const allWeak = direct(CALIBRATION_ROWS, 1);
    const allStrong = direct(CALIBRATION_ROWS, -1);
    const usdPer1k = ((allWeak.cost + allStrong.cost) / 2) * 1000;
    const result = calibrate(REPLAY, LOCATION, { kind: 'budget', usdPer1k }, OPTIONS);
    expect(result.requiredQuality).toBeUndefined();
    expect(result.certified).toBe(true);
    expect(result.calibration.met).toBe(true);
    expect(result.calibration.cost * 1000).toBeLessThan(usdPer1k);
    // The guarantee assumes no request costs more than the dearest answer in the data.
    expect(result.costCeiling).toBe(Math.max(...REPLAY.rows.map((entry) => Math.max(...entry.cost))));
    const within = points.filter((point) => point.cost * 1000 <= usdPer1k);
    const best = Math.max(...within.map((point) => point.quality));
    // The point estimate is the best within budget, and among equally good points the cheapest.
    expect(result.pointEstimate?.quality).toBe(best);
    expect(result.pointEstimate?.cost).toBe(Math.min(...within.filter((point) => point.quality === best).map((point) => point.cost)));
    // The certified choice keeps a margin below the budget.
    expect(result.calibration.cost).toBeLessThan(result.pointEstimate?.cost as number);
    expect(result.calibration.quality).toBeGreaterThan(allWeak.quality);
  });

  it('returns the best quality, not certified, when no threshold reaches the quality target', () => {
    const points = calibrationPoints();
    const result = calibrate(REPLAY, LOCATION, { kind: 'quality', quality: 1.5 }, OPTIONS);
    const best = Math.max(...points.map((point) => point.quality));
    expect(result.certified).toBe(false);
    expect(result.calibration.met).toBe(false);
    expect(result.pointEstimate).toBeUndefined();
    expect(result.check.met).toBe(false);
    expect(result.calibration.quality).toBe(best);
    expect(result.calibration.cost).toBe(Math.min(...points.filter((point) => point.quality === best).map((point) => point.cost)));
  });

  it('returns the cheapest point, not certified, when no threshold fits the budget', () => {
    const result = calibrate(REPLAY, LOCATION, { kind: 'budget', usdPer1k: 0.0001 }, OPTIONS);
    const allWeak = direct(CALIBRATION_ROWS, 1);
    expect(result.certified).toBe(false);
    expect(result.calibration.met).toBe(false);
    expect(result.check.met).toBe(false);
    // Only the top extreme, above every gain here, sends every prompt of the policy to the weak model.
    expect(result.value).toBe(1);
    expect(result.calibration.cost).toBeCloseTo(allWeak.cost, 15);
    expect(result.calibration.quality).toBeCloseTo(allWeak.quality, 12);
  });

  it('gives 95% bootstrap intervals around the check means, the same for the same seed', () => {
    const first = calibrate(REPLAY, LOCATION, { kind: 'quality', quality: 0.8 }, OPTIONS);
    const second = calibrate(REPLAY, LOCATION, { kind: 'quality', quality: 0.8 }, OPTIONS);
    expect(second).toEqual(first);
    for (const interval of [first.check.quality, first.check.cost]) {
      expect(interval.low).toBeLessThanOrEqual(interval.mean);
      expect(interval.mean).toBeLessThanOrEqual(interval.high);
      expect(interval.low).toBeLessThan(interval.high);
    }
    // Qualities are 0/1 scores: a 95% interval over ~60 prompts is several points wide, not the whole range.
    expect(first.check.quality.high - first.check.quality.low).toBeGreaterThan(0.03);
    expect(first.check.quality.high - first.check.quality.low).toBeLessThan(0.5);
  });

  // Fixed-sequence testing spends the whole error budget on each test only because it stops at the
  // first failure; testing on past it would need a correction for the number of tests.
  it('certifies nothing past the first value that fails, even when a cheaper one would pass', () => {
    // Gain 0.5: only big is right; gain 0.3: only small is right; gain 0.1: both. No noise.
    const bands = [
      { gain: 0.5, quality: [0, 1] as [number, number] },
      { gain: 0.3, quality: [1, 0] as [number, number] },
      { gain: 0.1, quality: [1, 1] as [number, number] },
    ];
    const rows = Array.from({ length: 300 }, (_, index) => {
      const band = bands[index % 3] as (typeof bands)[number];
      return row(`b${index}`, 'default', band.gain >= 0.1 ? BIG : SMALL, strongWeak(band.gain, 0.1), band.quality, [0.0002, 0.002]);
    });
    const banded: Replay = { ...REPLAY, router: router(STRONG_WEAK, []), rows };
    const result = calibrate(banded, LOCATION, { kind: 'quality', quality: 0.9 }, { split: 0.5, seed: 3, confidence: 0.9 });
    // The dearest values (big for the 0.3 band) reach 2/3 and fail first; values in (0.3, 0.5] would reach 1.
    expect(result.pointEstimate?.value).toBeGreaterThan(0.3);
    expect(result.pointEstimate?.value).toBeLessThanOrEqual(0.5);
    expect(result.pointEstimate?.quality).toBe(1);
    expect(result.certified).toBe(false);
  });

  it('rejects a split that leaves one side empty', () => {
    expect(() => calibrate(REPLAY, LOCATION, { kind: 'quality', quality: 0.8 }, { ...OPTIONS, split: 0 })).toThrow(RangeError);
    expect(() => calibrate(REPLAY, LOCATION, { kind: 'quality', quality: 0.8 }, { ...OPTIONS, split: 1 })).toThrow(RangeError);
  });

  it('rejects a reference share when the router has no scored reference', () => {
    const noReference: Replay = { ...REPLAY, reference: undefined };
    expect(() => calibrate(noReference, LOCATION, { kind: 'reference_share', share: 0.9 }, OPTIONS)).toThrow(/no reference model/);
  });

  it('rejects a policy no prompt reached', () => {
    const onlyRules: Replay = { ...REPLAY, rows: REPLAY.rows.filter((entry) => entry.route === 'code') };
    expect(() => calibrate(onlyRules, LOCATION, { kind: 'quality', quality: 0.8 }, OPTIONS)).toThrow(/no prompt of the calibration split/);
  });
});

describe('policy-sweep', () => {
  const hard: TargetSpec = { policy: 'strong_weak', strong: 'big', weak: 'small', threshold: 0.3 };
  const twoPolicies: Replay = { ...REPLAY, router: router(STRONG_WEAK, [route('hard', hard), route('code', { policy: 'single', model: 'big' })]) };

  it('finds every predicted policy of a router, and the only one when there is one', () => {
    expect(predictedTargets(twoPolicies)).toEqual([
      { target: hard, route: 'hard' },
      { target: STRONG_WEAK, route: undefined },
    ]);
    expect(onlyPredictedTarget(twoPolicies)).toBeUndefined();
  });

  it('re-decides only the rows of its own route', () => {
    const defaults = redecider(twoPolicies, { target: STRONG_WEAK, route: undefined });
    const hardRoute = redecider(twoPolicies, { target: hard, route: 'hard' });
    const hardRow = row('h', 'hard', BIG, strongWeak(0.9, 0.3), [0, 1], [1, 10]);
    const defaultRow = row('d', 'default', SMALL, strongWeak(0.05, 0.1), [1, 1], [1, 10]);
    const ruleRow = row('c', 'code', BIG, null, [0, 1], [1, 10]);
    // Another route's strong_weak row keeps its choice at any threshold of the default policy.
    expect(defaults(hardRow, 2)).toBe(BIG);
    expect(hardRoute(hardRow, 2)).toBe(SMALL);
    expect(hardRoute(defaultRow, -1)).toBe(SMALL);
    expect(defaults(defaultRow, -1)).toBe(BIG);
    expect(defaults(defaultRow, 0.05)).toBe(BIG);
    expect(defaults(defaultRow, 0.0501)).toBe(SMALL);
    expect(defaults(ruleRow, 2)).toBe(BIG);
    expect(defaults(row('u', null, undefined, null, [0, 0], [0, 0]), -1)).toBeUndefined();
  });

  // Sweep values are rounded gains, so thresholds land exactly on prompts whose gain rounds to them:
  // the gateway must decide those on the rounded gain a Decision records, as the redecider does.
  it('re-decides a prompt at the configured threshold as the gateway decided it', () => {
    const spec = (name: string, price: number): ModelSpec => ({
      name,
      provider: 'p',
      wireModel: name,
      price: { input: price, cachedInput: undefined, cacheWrite: undefined, output: price },
      contextWindow: undefined,
      maxOutput: undefined,
      capabilities: { tools: undefined, jsonSchema: undefined, vision: undefined, streaming: undefined, reasoning: undefined, builtinTools: undefined },
      reliability: DEFAULT_RELIABILITY,
      origin: 'config',
    });
    const target: TargetSpec & { policy: 'strong_weak' } = { policy: 'strong_weak', strong: 'big', weak: 'small', threshold: 0.25 };
    const classifier = new TrainedRouter({ dimensions: 16, wordNgrams: 1, charNgrams: undefined, dense: undefined }, [], ['small', 'big'], undefined);
    const context = { models: new Map([['small', spec('small', 1)], ['big', spec('big', 10)]]), providers: new Map(), ignoreDisabledProviders: true };
    const policy = compilePredictedPolicy(target, classifier, new Map(), context);
    const redecide = redecider({ ...REPLAY, router: router(target, []) }, { target, route: undefined });
    // Raw gains 0.24996 (recorded as 0.25) and 0.24994 (0.2499), each side of the threshold.
    for (const big of [0.74996, 0.74994]) {
      const { prediction } = policy(Float64Array.from([0.5, big]));
      const replayed = row('edge', 'default', prediction.chosen === 'big' ? BIG : SMALL, prediction, [1, 1], [1, 10]);
      expect(redecide(replayed, target.threshold)).toBe(replayed.chosen);
    }
  });

  it('re-decides cheapest_above with the models ordered by price, whatever the config order', () => {
    const target: TargetSpec = { policy: 'cheapest_above', models: ['big', 'small', 'mid'], minQuality: 0.7 };
    const three: Replay = {
      ...REPLAY,
      router: router(target, []),
      columns: [
        { model: 'big', data: 'big', price: 10 },
        { model: 'small', data: 'small', price: 1 },
        { model: 'mid', data: 'mid', price: 3 },
      ],
    };
    const redecide = redecider(three, { target, route: undefined });
    const prediction: Prediction = { policy: 'cheapest_above', predicted: { small: 0.5, mid: 0.8, big: 0.95 }, minQuality: 0.7, chosen: 'mid', cleared: true };
    const entry: ReplayRow = { ...row('x', 'default', 2, prediction, [0, 0], [0, 0]), quality: new Float64Array(3), cost: new Float64Array(3) };
    expect(redecide(entry, 0.5)).toBe(1); // small
    expect(redecide(entry, 0.7)).toBe(2); // mid
    expect(redecide(entry, 0.9)).toBe(0); // big
    expect(redecide(entry, 0.99)).toBe(0); // none clears: the best predicted
    // A model missing from the prediction counts as predicted 0.
    const partial: ReplayRow = { ...entry, prediction: { ...prediction, predicted: { mid: 0.4, big: 0.4 } } };
    expect(redecide(partial, 0.9)).toBe(2); // tie between mid and big: the cheaper
    expect(redecide(partial, 0)).toBe(1); // small's missing 0 clears a bound of 0
  });

  it('sweeps the extremes and the rounded quantiles of what the policy compares', () => {
    const rows = [row('a', 'default', SMALL, strongWeak(0.1, 0.1), [0, 0], [0, 0]), row('b', 'default', BIG, strongWeak(0.3, 0.1), [0, 0], [0, 0]), row('c', 'code', BIG, null, [0, 0], [0, 0])];
    expect(sweepValues(rows, STRONG_WEAK, 3)).toEqual([-1, 0.1, 0.2, 0.3, 1]);
    const cheapest: TargetSpec & { policy: 'cheapest_above' } = { policy: 'cheapest_above', models: ['small', 'big'], minQuality: 0.5 };
    const predictedRow = row('p', 'default', SMALL, { policy: 'cheapest_above', predicted: { small: 0.2, big: 0.6 }, minQuality: 0.5, chosen: 'big', cleared: true }, [0, 0], [0, 0]);
    expect(sweepValues([predictedRow], cheapest, 5)).toEqual([0, 0.2, 0.3, 0.4, 0.5, 0.6, 1]);
    expect(sweepValues([rows[2] as ReplayRow], STRONG_WEAK)).toEqual([]);
  });

  it('evaluates a value over routed rows only', () => {
    const rows = [
      row('a', 'default', SMALL, strongWeak(0.1, 0.1), [1, 0.5], [1, 10]),
      row('b', 'default', BIG, strongWeak(0.3, 0.1), [0, 1], [2, 20]),
      row('c', 'code', BIG, null, [0, 1], [1, 10]),
      row('u', null, undefined, null, [1, 1], [100, 100]),
    ];
    const redecide = redecider(REPLAY, LOCATION);
    // At 0.2: a → small (1, $1), b → big (1, $20), c stays big (1, $10); u is unrouted.
    const point = evaluateAt(rows, 2, redecide, 0.2);
    expect(point.value).toBe(0.2);
    expect(point.quality).toBe(1);
    expect(point.cost).toBeCloseTo(31 / 3, 12);
    expect(point.shares).toEqual([1 / 3, 2 / 3]);
    // At -1 everything the policy decides goes big: 0.5 + 1 + 1 over 3.
    expect(evaluateAt(rows, 2, redecide, -1).quality).toBeCloseTo(2.5 / 3, 12);
  });
});
