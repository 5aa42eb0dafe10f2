import type { TargetSpec } from '../spec/target-spec.js';
import { DEFAULT_ROUTE } from '../spec/decision.js';
import { cheapestAbove, roundPrediction } from '../routing/policies/predicted-policy.js';
import { quantile } from '../learning/routing-metrics.js';
import type { Replay, ReplayRow } from './replay.js';

/**
 * Re-deciding replayed prompts with another `min_quality` / `threshold`: the predictions are in
 * each row's Decision, so a whole cost–quality curve costs no more routing.
 */

export type PredictedTarget = Extract<TargetSpec, { policy: 'cheapest_above' | 'strong_weak' }>;

export type SweepPoint = {
  /** The `min_quality` (cheapest_above) or `threshold` (strong_weak) tried. */
  value: number;
  quality: number;
  /** Mean USD per request. */
  cost: number;
  /** Share of requests per column. */
  shares: number[];
};

/** Where a predicted policy sits in its router: a route's `target`, or the `default`. */
export type PolicyLocation = { target: PredictedTarget; route: string | undefined };

/** The predicted policies of a router (routes and default). */
export function predictedTargets(replay: Replay): PolicyLocation[] {
  const found: PolicyLocation[] = [];
  for (const route of replay.router.routes) {
    const target = route.action.type === 'target' ? route.action.target : undefined;
    if (target?.policy === 'cheapest_above' || target?.policy === 'strong_weak') found.push({ target, route: route.name });
  }
  const fallback = replay.router.defaultTarget;
  if (fallback.policy === 'cheapest_above' || fallback.policy === 'strong_weak') found.push({ target: fallback, route: undefined });
  return found;
}

/** The one predicted policy of a router, or undefined when it has none or several. */
export function onlyPredictedTarget(replay: Replay): PolicyLocation | undefined {
  const found = predictedTargets(replay);
  return found.length === 1 ? found[0] : undefined;
}

/** Decides a row again at `value`; rows the policy did not decide keep their choice. */
export type Redecide = (row: ReplayRow, value: number) => number | undefined;

export function redecider(replay: Replay, location: PolicyLocation): Redecide {
  const { target } = location;
  const route = location.route ?? DEFAULT_ROUTE;
  const columnOf = new Map(replay.columns.map((column, index) => [column.model, index]));
  if (target.policy === 'strong_weak') {
    const strong = columnOf.get(target.strong) as number;
    const weak = columnOf.get(target.weak) as number;
    return (row, value) => (row.route === route && row.prediction?.policy === 'strong_weak' ? (row.prediction.gain >= value ? strong : weak) : row.chosen);
  }
  const ordered = target.models.map((model) => ({ model, column: columnOf.get(model) as number })).sort(
    (a, b) => (replay.columns[a.column]?.price ?? 0) - (replay.columns[b.column]?.price ?? 0),
  );
  const positions = ordered.map((_, index) => index);
  return (row, value) => {
    if (row.route !== route || row.prediction?.policy !== 'cheapest_above') return row.chosen;
    const predicted = row.prediction.predicted;
    const scores = ordered.map((entry) => predicted[entry.model] ?? 0);
    return (ordered[cheapestAbove(scores, positions, value).index] as (typeof ordered)[number]).column;
  };
}

/** The values worth trying: quantiles of what the policy compares, plus the extremes. */
export function sweepValues(rows: readonly ReplayRow[], target: PredictedTarget, count = 41): number[] {
  const seen: number[] = [];
  for (const row of rows) {
    const prediction = row.prediction;
    if (prediction?.policy === 'strong_weak') seen.push(prediction.gain);
    else if (prediction?.policy === 'cheapest_above') seen.push(...Object.values(prediction.predicted));
  }
  if (seen.length === 0) return [];
  const sorted = Float64Array.from(seen).sort();
  // The extremes are values a config accepts: -1 or 0 (always the strong / cheapest that clears), 1.
  const values = new Set<number>([target.policy === 'strong_weak' ? -1 : 0, 1]);
  // Rounded as the gateway rounds predictions, so a value written into a config decides the same.
  for (let index = 0; index < count; index++) values.add(roundPrediction(quantile(sorted, index / (count - 1))));
  return [...values].sort((a, b) => a - b);
}

export function evaluateAt(rows: readonly ReplayRow[], columns: number, redecide: Redecide, value: number): SweepPoint {
  let quality = 0;
  let cost = 0;
  let routed = 0;
  const counts = new Array<number>(columns).fill(0);
  for (const row of rows) {
    const chosen = redecide(row, value);
    if (chosen === undefined) continue;
    routed++;
    quality += row.quality[chosen] as number;
    cost += row.cost[chosen] as number;
    counts[chosen] = (counts[chosen] as number) + 1;
  }
  const n = Math.max(1, routed);
  return { value, quality: quality / n, cost: cost / n, shares: counts.map((count) => count / n) };
}

export function sweep(replay: Replay, rows: readonly ReplayRow[], location: PolicyLocation): SweepPoint[] {
  const redecide = redecider(replay, location);
  const route = location.route ?? DEFAULT_ROUTE;
  return sweepValues(rows.filter((row) => row.route === route), location.target).map((value) => evaluateAt(rows, replay.columns.length, redecide, value));
}
