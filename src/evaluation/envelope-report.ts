import { compareWithEnvelope, costToReach, gapCosts, upperHull, type CostQuality, type EnvelopeComparison } from './envelope.js';
import { evaluateAt, redecider, sweepValues, type PolicyLocation } from './policy-sweep.js';
import { DEFAULT_ROUTE } from '../spec/decision.js';
import { tunableParameter, type TunableParameter } from '../routing/policies/predicted/tunable-parameter.js';
import type { Replay, ReplayRow } from './replay.js';

/** How many costs between the cheapest and the most expensive model the gaps are reported at. */
export const GAP_POINTS = 5;
/** Parameter values swept for the router's curve: finer than the printed sweep, so its hull is close to the best mix of settings. */
const CURVE_VALUES = 101;

export type ModelPoint = CostQuality & { model: string };
export type SettingPoint = CostQuality & { value: number };

/** Per task (the data's `benchmark` field): whether the router reaches the best single model's quality for less. */
export type TaskReach = {
  task: string;
  examples: number;
  /** The best single model over all the data, and its quality and cost on this task. */
  model: string;
  quality: number;
  cost: number;
  /** The least cost at which the router's hull on this task reaches that quality; undefined when it never does. */
  reachCost: number | undefined;
  /** Reached at a lower cost than the model itself. */
  cheaper: boolean;
};

export type EnvelopeReport = {
  /** The single models on the envelope, cheapest first: the best static mix of two at a cost lies between neighbours. */
  hull: ModelPoint[];
  /** The router's swept operating points on their own upper hull (two settings can be mixed as two models can). */
  router: { policy: string; parameter: TunableParameter['key']; points: SettingPoint[] } | undefined;
  comparison: EnvelopeComparison | undefined;
  tasks: TaskReach[];
};

/** The best of `models`: highest quality, the cheaper on ties. */
function bestOf(models: readonly ModelPoint[]): ModelPoint | undefined {
  return models.reduce<ModelPoint | undefined>((best, model) => (best === undefined || model.quality > best.quality || (model.quality === best.quality && model.cost < best.cost) ? model : best), undefined);
}

function sweepHull(rows: readonly ReplayRow[], columns: number, redecide: ReturnType<typeof redecider>, values: readonly number[]): SettingPoint[] {
  return upperHull(values.map((value) => evaluateAt(rows, columns, redecide, value)).map(({ value, cost, quality }) => ({ value, cost, quality })));
}

/**
 * The envelope of the router's single models and, when it has one predicted policy, its swept
 * curve against it: the area between them, the gaps at `GAP_POINTS` log-spaced costs (or at
 * `costs`, to compare folds at the same costs), and per task whether it reaches the best model.
 */
export function buildEnvelopeReport(
  replay: Replay,
  routed: readonly ReplayRow[],
  single: readonly ModelPoint[],
  location: PolicyLocation | undefined,
  options: { tasks?: ReadonlyMap<string, string> | undefined; costs?: readonly number[] | undefined } = {},
): EnvelopeReport {
  const hull = upperHull(single);
  if (location === undefined || hull.length === 0 || routed.length === 0) return { hull, router: undefined, comparison: undefined, tasks: [] };
  const columns = replay.columns.length;
  const redecide = redecider(replay, location);
  const route = location.route ?? DEFAULT_ROUTE;
  const values = sweepValues(
    routed.filter((row) => row.route === route),
    location.target,
    CURVE_VALUES,
  );
  const points = sweepHull(routed, columns, redecide, values);
  const from = Math.min(...single.map((model) => model.cost));
  const to = Math.max(...single.map((model) => model.cost));
  const comparison = compareWithEnvelope(hull, points, { from, to }, options.costs ?? gapCosts(from, to, GAP_POINTS));
  const best = bestOf(single);
  const index = replay.columns.findIndex((column) => column.model === best?.model);
  const tasks: TaskReach[] = [];
  if (best !== undefined && index >= 0 && options.tasks !== undefined) {
    const byTask = new Map<string, ReplayRow[]>();
    for (const row of routed) {
      const task = options.tasks.get(row.example.id);
      if (task === undefined) continue;
      const rows = byTask.get(task);
      if (rows === undefined) byTask.set(task, [row]);
      else rows.push(row);
    }
    for (const [task, rows] of [...byTask].sort(([a], [b]) => a.localeCompare(b))) {
      const quality = rows.reduce((sum, row) => sum + (row.quality[index] as number), 0) / rows.length;
      const cost = rows.reduce((sum, row) => sum + (row.cost[index] as number), 0) / rows.length;
      const reachCost = costToReach(sweepHull(rows, columns, redecide, values), quality);
      tasks.push({ task, examples: rows.length, model: best.model, quality, cost, reachCost, cheaper: reachCost !== undefined && reachCost < cost });
    }
  }
  return { hull, router: { policy: location.target.policy, parameter: tunableParameter(location.target).key, points }, comparison, tasks };
}
