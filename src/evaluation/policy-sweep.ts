import { DEFAULT_ROUTE } from '../spec/decision.js';
import { roundPrediction, type PredictedTarget } from '../routing/policies/predicted/compile-predicted-policy.js';
import { comparedValues, isPredictedTarget, redecision, tunableParameter } from '../routing/policies/predicted/tunable-parameter.js';
import { quantile } from '../learning/routing-metrics.js';
import type { Replay, ReplayRow } from './replay.js';

/**
 * Re-deciding replayed prompts with another `min_quality` / `threshold`: the predictions are in
 * each row's Decision, so a whole cost–quality curve costs no more routing.
 */

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
    if (target && isPredictedTarget(target)) found.push({ target, route: route.name });
  }
  const fallback = replay.router.defaultTarget;
  if (isPredictedTarget(fallback)) found.push({ target: fallback, route: undefined });
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
  const decide = redecision(target, (model) => replay.columns[columnOf.get(model) as number]?.price ?? 0);
  return (row, value) => {
    const model = row.route === route && row.prediction ? decide(row.prediction, value) : undefined;
    return model === undefined ? row.chosen : columnOf.get(model);
  };
}

/** The values worth trying: quantiles of what the policy compares, plus the extremes. */
export function sweepValues(rows: readonly ReplayRow[], target: PredictedTarget, count = 41): number[] {
  const seen: number[] = [];
  for (const row of rows) if (row.prediction) seen.push(...comparedValues(row.prediction));
  if (seen.length === 0) return [];
  const sorted = Float64Array.from(seen).sort();
  // The extremes are values a config accepts: -1 or 0 (always the strong / cheapest that clears), 1.
  const values = new Set<number>([tunableParameter(target).lowest, 1]);
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
