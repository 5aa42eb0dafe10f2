import { describe, expect, it } from 'vitest';
import type { RouterSpec } from '../routing/router-spec.js';
import type { TargetSpec } from '../routing/policies/policy-registry.js';
import type { Prediction } from '../spec/decision.js';
import { buildEvalReport } from './eval-report.js';
import type { Replay, ReplayRow } from './replay.js';

const TARGET: TargetSpec = { policy: 'cheapest_above', models: ['small', 'mid', 'odd', 'big'], minQuality: 0.45 };

function router(defaultTarget: TargetSpec): RouterSpec {
  return { name: 'auto', description: undefined, reference: undefined, matchOn: 'last_user', classifier: undefined, encoder: undefined, routes: [], defaultTarget, fallbacks: new Map(), sticky: undefined };
}

/**
 * A prompt with its quality per column [small, mid, odd, big] (costs 1, 3, 5, 10) and the predicted
 * scores of small, mid and big; odd is predicted never to clear, so it is never chosen.
 */
function row(id: string, quality: number[], predicted: [number, number, number]): ReplayRow {
  const [small, mid, big] = predicted;
  const prediction: Prediction = { policy: 'cheapest_above', predicted: { small, mid, odd: 0.05, big }, minQuality: 0.45, chosen: 'small', cleared: true };
  return {
    example: { id, line: 1, messages: [{ role: 'user', content: id }], scores: {}, costs: undefined, contaminated: false },
    chosen: 0,
    route: 'default',
    prediction,
    quality: Float64Array.from(quality),
    cost: Float64Array.from([1, 3, 5, 10]),
  };
}

/**
 * Swept over min_quality, the router chooses (cheapest predicted to clear, else big, which every
 * prompt predicts best): ≤0.2 all small (0.25, $1); ≤0.3 r2 mid; ≤0.4 r1 mid (0.5, $2); ≤0.5 r3 mid
 * (0.75, $2.5); ≤0.6 r3 big (0.75, $4.25); ≤0.7 r2 big (1, $6); then dearer at quality 1.
 * Alone: small 0.25 at $1, mid 0.75 at $3, odd 0.5 at $5 (below the chord from mid to big), big 1 at $10.
 */
const REPLAY: Replay = {
  router: router(TARGET),
  columns: [
    { model: 'small', data: 'small', price: 1 },
    { model: 'mid', data: 'mid', price: 3 },
    { model: 'odd', data: 'odd', price: 5 },
    { model: 'big', data: 'big', price: 10 },
  ],
  targetModels: new Set(['small', 'mid', 'odd', 'big']),
  reference: undefined,
  rows: [row('r0', [1, 1, 1, 1], [0.8, 0.85, 0.95]), row('r1', [0, 1, 0, 1], [0.3, 0.7, 0.9]), row('r2', [0, 0, 1, 1], [0.2, 0.6, 0.8]), row('r3', [0, 1, 0, 1], [0.4, 0.5, 0.7])],
  contaminated: 0,
  costSource: 'data',
};

const TASKS = new Map([
  ['r0', 'x'],
  ['r1', 'x'],
  ['r2', 'y'],
  ['r3', 'y'],
]);

describe('the envelope in the eval report', () => {
  const { envelope } = buildEvalReport(REPLAY, { tasks: TASKS });

  it('puts the single models above the chords of their neighbours on the hull, cheapest first', () => {
    expect(envelope.hull.map((point) => [point.model, point.cost, point.quality])).toEqual([
      ['small', 1, 0.25],
      ['mid', 3, 0.75],
      ['big', 10, 1],
    ]);
  });

  it('hulls the swept curve: mixing two settings beats the ones below the chord', () => {
    expect(envelope.router?.policy).toBe('cheapest_above');
    expect(envelope.router?.parameter).toBe('min_quality');
    expect(envelope.router?.points.map((point) => [point.cost, point.quality])).toEqual([
      [1, 0.25],
      [2.5, 0.75],
      [6, 1],
    ]);
  });

  it('measures the area between the curves over $1–$10 exactly, and the gaps at log-spaced costs', () => {
    const comparison = envelope.comparison;
    expect(comparison?.from).toBe(1);
    expect(comparison?.to).toBe(10);
    // router − envelope: 0 at $1, +0.125 at $2.5, +1/28 at $3, +1/7 at $6, 0 at $10 (trapezoids in between).
    expect(comparison?.area).toBeCloseTo(0.6875 / 9, 12);
    expect(comparison?.worst.gap).toBeCloseTo(0, 12);
    expect(comparison?.gaps.map((gap) => gap.cost)).toHaveLength(5);
    const first = comparison?.gaps[0];
    // 10^(1/6) ≈ 1.468: envelope 0.25 + 0.25 × 0.468, router 0.25 + (1/3) × 0.468.
    expect(first?.cost).toBeCloseTo(10 ** (1 / 6), 12);
    expect(first?.gap).toBeCloseTo((1 / 3 - 1 / 4) * (10 ** (1 / 6) - 1), 12);
  });

  it('tells per task whether the router reaches the best model’s quality for less', () => {
    expect(envelope.tasks).toEqual([
      // x: mid for r1 from min_quality 0.3 gives quality 1 at $2.
      { task: 'x', examples: 2, model: 'big', quality: 1, cost: 10, reachCost: 2, cheaper: true },
      // y: quality 1 only when both go to big.
      { task: 'y', examples: 2, model: 'big', quality: 1, cost: 10, reachCost: 10, cheaper: false },
    ]);
  });

  it('has the envelope but no curve for a router without a predicted policy, and no tasks without labels', () => {
    const rules = buildEvalReport({ ...REPLAY, router: router({ policy: 'single', model: 'mid' }) });
    expect(rules.envelope.hull.map((point) => point.model)).toEqual(['small', 'mid', 'big']);
    expect(rules.envelope.router).toBeUndefined();
    expect(rules.envelope.comparison).toBeUndefined();
    expect(buildEvalReport(REPLAY).envelope.tasks).toEqual([]);
  });
});
