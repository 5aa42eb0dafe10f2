import { describe, expect, it } from 'vitest';
import type { RouterSpec } from '../routing/router-spec.js';
import type { TargetSpec } from '../routing/policies/policy-registry.js';
import type { Prediction } from '../spec/decision.js';
import { buildEvalReport, routerScore } from './eval-report.js';
import type { ModelColumn, Replay, ReplayRow } from './replay.js';

function router(defaultTarget: TargetSpec, reference: string | undefined): RouterSpec {
  return { name: 'auto', description: undefined, reference, matchOn: 'last_user', classifier: undefined, encoder: undefined, routes: [], defaultTarget, fallbacks: new Map(), sticky: undefined };
}

function row(id: string, chosen: number | undefined, prediction: Prediction | null, quality: number[], cost: number[]): ReplayRow {
  return {
    example: { id, line: 1, messages: [{ role: 'user', content: id }], scores: {}, costs: undefined, contaminated: false },
    chosen,
    route: chosen === undefined ? null : 'default',
    prediction,
    quality: Float64Array.from(quality),
    cost: Float64Array.from(cost),
  };
}

function gain(value: number): Prediction {
  return { policy: 'strong_weak', predicted: { small: 0.5, big: 0.5 + value }, threshold: 0.2, gain: value, chosen: value >= 0.2 ? 'big' : 'small' };
}

const STRONG_WEAK: TargetSpec = { policy: 'strong_weak', strong: 'big', weak: 'small', threshold: 0.2 };
const SMALL = 0;
const BIG = 1;
// `backup` is only a router fallback: scored, never chosen, so not one of the router's models.
const COLUMNS: ModelColumn[] = [
  { model: 'small', data: 'data-small', price: 1 },
  { model: 'big', data: 'data-big', price: 10 },
  { model: 'backup', data: 'data-backup', price: 5 },
];

/**
 * Five routed prompts at threshold 0.2 (chosen: small, big, big, small, small) and one unrouted.
 * Per prompt: quality [small, big, backup], cost [small, big, backup].
 */
function twoModelReplay(reference: number | undefined): Replay {
  return {
    router: router(STRONG_WEAK, reference === undefined ? undefined : 'big'),
    columns: COLUMNS,
    targetModels: new Set(['small', 'big']),
    reference,
    rows: [
      row('r0', SMALL, gain(0.1), [1, 0.5, 0], [1, 10, 5]),
      row('r1', BIG, gain(0.5), [0, 1, 0], [1, 10, 5]),
      row('r2', BIG, gain(0.3), [0.5, 0.5, 1], [1, 10, 5]),
      row('r3', SMALL, gain(-0.2), [1, 0, 0], [2, 20, 5]),
      row('r4', SMALL, gain(0), [0, 1, 0], [1, 10, 5]),
      // Blocked: would pull every mean towards big if counted.
      row('r5', undefined, null, [0, 1, 1], [100, 100, 100]),
    ],
    contaminated: 2,
    costSource: 'data',
  };
}

describe('buildEvalReport with two target models', () => {
  const report = buildEvalReport(twoModelReplay(BIG));

  it('counts every example but averages over the routed ones', () => {
    expect(report.router).toBe('auto');
    expect(report.examples).toBe(6);
    expect(report.unrouted).toBe(1);
    expect(report.contaminated).toBe(2);
    expect(report.costSource).toBe('data');
    // Chosen: 1, 1, 0.5, 1, 0 → 3.5 / 5; costs 1 + 10 + 10 + 2 + 1 = 24 → 4.8.
    expect(report.result.quality).toBeCloseTo(0.7, 12);
    expect(report.result.cost).toBeCloseTo(4.8, 12);
    expect(report.result.costPer1k).toBeCloseTo(4800, 9);
  });

  it('lists the router’s models with their shares and single-model operating points', () => {
    expect(report.models.map((entry) => entry.model)).toEqual(['small', 'big']);
    const [small, big] = report.models;
    expect(small).toMatchObject({ model: 'small', data: 'data-small', share: 0.6 });
    expect(small?.quality).toBeCloseTo(0.5, 12);
    expect(small?.cost).toBeCloseTo(1.2, 12);
    expect(big).toMatchObject({ model: 'big', data: 'data-big', share: 0.4 });
    expect(big?.quality).toBeCloseTo(0.6, 12);
    expect(big?.cost).toBeCloseTo(12, 12);
    expect(report.baselines.single.map((entry) => entry.model)).toEqual(['small', 'big']);
  });

  it('compares with the reference model', () => {
    expect(report.reference?.model).toBe('big');
    expect(report.reference?.quality).toBeCloseTo(0.6, 12);
    expect(report.reference?.cost).toBeCloseTo(12, 12);
    // 1 − 4.8 / 12 and 0.7 / 0.6.
    expect(report.reference?.savings).toBeCloseTo(0.6, 12);
    expect(report.reference?.qualityKept).toBeCloseTo(7 / 6, 12);
  });

  it('gives the oracle the cheapest of the best-scoring router models per prompt', () => {
    // small (1, $1), big (1, $10), tie → small (0.5, $1), small (1, $2), big (1, $10).
    // Were the fallback-only backup considered, r2 would score 1.
    expect(report.baselines.oracle.quality).toBeCloseTo(0.9, 12);
    expect(report.baselines.oracle.cost).toBeCloseTo(4.8, 12);
  });

  it('gives the uniform random and same-mix baselines', () => {
    expect(report.baselines.random.quality).toBeCloseTo(0.55, 12);
    expect(report.baselines.random.cost).toBeCloseTo(6.6, 12);
    // 0.6 · (0.5, 1.2) + 0.4 · (0.6, 12).
    expect(report.baselines.randomSameMix.quality).toBeCloseTo(0.54, 12);
    expect(report.baselines.randomSameMix.cost).toBeCloseTo(5.52, 12);
  });

  it('computes RouteLLM metrics of the predicted gain', () => {
    const twoModel = report.twoModel;
    expect(twoModel).toMatchObject({ strong: 'big', weak: 'small', scoreKind: 'predicted_gain' });
    // By gain: r1 (+1 over weak), r2 (0), r0 (−0.5), r4 (+1), r3 (−1) move to big in turn; weak sum 2.5.
    expect(twoModel?.curve.map((point) => point.strongShare)).toEqual([0, 0.2, 0.2, 0.4, 0.4, 0.6, 0.6, 0.6, 0.8, 0.8, 1]);
    const qualities = twoModel?.curve.map((point) => point.quality) ?? [];
    [0.5, 0.7, 0.7, 0.7, 0.7, 0.6, 0.6, 0.6, 0.8, 0.8, 0.6].forEach((expected, index) => expect(qualities[index]).toBeCloseTo(expected, 12));
    // Area 0.2 · (0.6 + 0.7 + 0.65 + 0.7 + 0.7) = 0.67 → (0.67 − 0.5) / 0.1. (The 0/1 choice would give 1.3.)
    expect(twoModel?.apgr).toBeCloseTo(1.7, 10);
    expect(twoModel?.cpt50).toBeCloseTo(5, 10);
    expect(twoModel?.cpt80).toBeCloseTo(8, 10);
  });

  it('sweeps the strong_weak threshold over the routed prompts', () => {
    expect(report.sweep?.policy).toBe('strong_weak');
    expect(report.sweep?.current).toBe(0.2);
    const points = report.sweep?.points ?? [];
    const at = (value: number) => points.find((point) => point.value === value);
    expect(at(-1)?.quality).toBeCloseTo(0.6, 12);
    expect(at(-1)?.cost).toBeCloseTo(12, 12);
    expect(at(1)?.quality).toBeCloseTo(0.5, 12);
    expect(at(1)?.cost).toBeCloseTo(1.2, 12);
    // 0.3 decides as 0.2 does on these gains: the router's own point.
    expect(at(0.3)?.quality).toBeCloseTo(0.7, 12);
    expect(at(0.3)?.cost).toBeCloseTo(4.8, 12);
    expect(at(0.3)?.shares).toEqual([0.6, 0.4, 0]);
  });

  it('leaves the reference out when the router has none', () => {
    expect(buildEvalReport(twoModelReplay(undefined)).reference).toBeUndefined();
  });
});

describe('buildEvalReport with other shapes', () => {
  it('has no two-model metrics for three target models, and breaks oracle ties by cost, not column order', () => {
    const target: TargetSpec = { policy: 'cheapest_above', models: ['small', 'mid', 'big'], minQuality: 0.7 };
    const predicted = (chosen: string): Prediction => ({ policy: 'cheapest_above', predicted: { small: 0.6, mid: 0.75, big: 0.9 }, minQuality: 0.7, chosen, cleared: true });
    const replay: Replay = {
      router: router(target, undefined),
      columns: [
        { model: 'big', data: 'big', price: 10 },
        { model: 'mid', data: 'mid', price: 3 },
        { model: 'small', data: 'small', price: 1 },
      ],
      targetModels: new Set(['small', 'mid', 'big']),
      reference: undefined,
      rows: [
        row('t0', 2, predicted('small'), [1, 1, 1], [10, 3, 1]),
        row('t1', 1, predicted('mid'), [1, 1, 0], [10, 3, 1]),
        row('t2', 0, predicted('big'), [1, 0, 0], [10, 3, 1]),
        row('t3', 2, predicted('small'), [0, 0, 0], [10, 3, 1]),
        // This prompt's cheapest answer is the middle column.
        row('t4', 0, predicted('big'), [1, 1, 1], [10, 0.5, 1]),
      ],
      contaminated: 0,
      costSource: 'data',
    };
    const report = buildEvalReport(replay);
    expect(report.twoModel).toBeUndefined();
    expect(report.models.map((entry) => [entry.model, entry.share])).toEqual([
      ['big', 0.4],
      ['mid', 0.2],
      ['small', 0.4],
    ]);
    expect(report.result.quality).toBeCloseTo(0.8, 12);
    expect(report.result.cost).toBeCloseTo(5, 12);
    // small $1, mid $3 (ties big), big $10, small $1 (all 0), mid $0.5.
    expect(report.baselines.oracle.quality).toBeCloseTo(0.8, 12);
    expect(report.baselines.oracle.cost).toBeCloseTo(3.1, 12);
    // Single models: big 0.8, mid 0.6, small 0.4.
    expect(report.baselines.random.quality).toBeCloseTo(0.6, 12);
    expect(report.sweep?.policy).toBe('cheapest_above');
    expect(report.sweep?.current).toBe(0.7);
  });

  it('counts a fallback column among the router’s models once a prompt is sent to it', () => {
    const replay = twoModelReplay(BIG);
    const rows = replay.rows.map((entry) => (entry.example.id === 'r4' ? { ...entry, chosen: 2 } : entry));
    const report = buildEvalReport({ ...replay, rows });
    expect(report.models.map((entry) => [entry.model, entry.share])).toEqual([
      ['small', 0.4],
      ['big', 0.4],
      ['backup', 0.2],
    ]);
    expect(report.twoModel).toBeUndefined();
    // Now backup counts for the oracle: r2 scores 1 with it ($5).
    expect(report.baselines.oracle.quality).toBeCloseTo(1, 12);
    expect(report.baselines.oracle.cost).toBeCloseTo((1 + 10 + 5 + 2 + 10) / 5, 12);
  });

  it('uses the predicted gain of the strong model over the weak one for a two-model utility', () => {
    const target: TargetSpec = { policy: 'utility', models: ['small', 'big'], costWeight: 0.3 };
    const predicted = (small: number, big: number): Prediction => ({ policy: 'utility', predicted: { small, big }, costWeight: 0.3, prices: { small: 0.1, big: 1 }, chosen: big - small > 0.27 ? 'big' : 'small' });
    const replay: Replay = {
      ...twoModelReplay(undefined),
      router: router(target, undefined),
      rows: [row('a', SMALL, predicted(0.9, 0.95), [1, 1, 0], [1, 10, 5]), row('b', BIG, predicted(0.2, 0.9), [0, 1, 0], [1, 10, 5]), row('c', SMALL, predicted(0.75, 0.9), [1, 1, 0], [1, 10, 5])],
    };
    const twoModel = buildEvalReport(replay).twoModel;
    expect(twoModel?.scoreKind).toBe('predicted_gain');
    // Gains 0.05, 0.7, 0.15: the highest threshold is 0.7, the lowest 0.05.
    expect(twoModel?.curve[0]?.threshold).toBeCloseTo(0.7, 12);
    expect(twoModel?.curve.at(-1)?.threshold).toBeCloseTo(0.05, 12);
  });

  it('uses one minus the weak model’s prediction for a two-model cheapest_above', () => {
    const target: TargetSpec = { policy: 'cheapest_above', models: ['small', 'big'], minQuality: 0.7 };
    const predicted = (small: number): Prediction => ({ policy: 'cheapest_above', predicted: { small, big: 0.9 }, minQuality: 0.7, chosen: small >= 0.7 ? 'small' : 'big', cleared: true });
    const replay: Replay = {
      ...twoModelReplay(undefined),
      router: router(target, undefined),
      rows: [row('a', SMALL, predicted(0.9), [1, 1, 0], [1, 10, 5]), row('b', BIG, predicted(0.2), [0, 1, 0], [1, 10, 5]), row('c', SMALL, predicted(0.75), [1, 1, 0], [1, 10, 5])],
    };
    const twoModel = buildEvalReport(replay).twoModel;
    expect(twoModel?.scoreKind).toBe('one_minus_weak_prediction');
    // Scores 0.1, 0.8, 0.25: the highest threshold is 0.8, the lowest 0.1.
    expect(twoModel?.curve[0]?.threshold).toBeCloseTo(0.8, 12);
    expect(twoModel?.curve.at(-1)?.threshold).toBeCloseTo(0.1, 12);
  });

  // When the policy's strong model scores lower on the data, the gain must be turned round, or APGR
  // comes out as 1 − the true value (here −1/6 instead of 7/6).
  it('orients the predicted gain towards the model that scores better on the data', () => {
    // Policy: strong big, weak small. Data: small 0.8 on average, big 0.5; the gain is informative.
    const replay: Replay = {
      ...twoModelReplay(undefined),
      rows: [
        row('g0', SMALL, gain(-0.9), [1, 0, 0], [1, 10, 5]),
        row('g1', SMALL, gain(-0.8), [1, 0, 0], [1, 10, 5]),
        row('g2', SMALL, gain(0), [1, 1, 0], [1, 10, 5]),
        row('g3', BIG, gain(0.7), [0, 1, 0], [1, 10, 5]),
        row('g4', SMALL, gain(-0.4), [1, 0.5, 0], [1, 10, 5]),
      ],
    };
    const twoModel = buildEvalReport(replay).twoModel;
    expect(twoModel).toMatchObject({ strong: 'small', weak: 'big', scoreKind: 'predicted_gain' });
    // Need for small = −gain: g0, g1, g4, g2, g3 move to small in turn (+1, +1, +0.5, 0, −1 over big's 2.5):
    // qualities 0.5, 0.7, 0.9, 1, 1, 0.8 at 0, 0.2, ..., 1; area 0.85; (0.85 − 0.5) / 0.3.
    expect(twoModel?.apgr).toBeCloseTo(7 / 6, 10);
  });

  it('scores rule choices 1 for strong and 0 for weak', () => {
    expect(routerScore(row('x', BIG, null, [0, 0], [0, 0]), BIG, SMALL, 'small')).toEqual({ score: 1, kind: 'choice' });
    expect(routerScore(row('x', SMALL, null, [0, 0], [0, 0]), BIG, SMALL, 'small')).toEqual({ score: 0, kind: 'choice' });
    expect(routerScore(row('x', 2, null, [0, 0], [0, 0]), BIG, SMALL, 'small')).toEqual({ score: 0.5, kind: 'choice' });
    expect(routerScore(row('x', BIG, gain(0.42), [0, 0], [0, 0]), BIG, SMALL, 'small')).toEqual({ score: 0.42, kind: 'predicted_gain' });
  });

  it('reports zero means and no two-model metrics when nothing was routed', () => {
    const replay = twoModelReplay(BIG);
    const report = buildEvalReport({ ...replay, rows: replay.rows.map((entry) => ({ ...entry, chosen: undefined })) });
    expect(report.unrouted).toBe(6);
    expect(report.result).toEqual({ quality: 0, cost: 0, costPer1k: 0 });
    expect(report.twoModel).toBeUndefined();
    expect(report.models.map((entry) => entry.share)).toEqual([0, 0]);
  });
});
