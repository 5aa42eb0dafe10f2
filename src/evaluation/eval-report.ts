import { onlyPredictedTarget, sweep, type SweepPoint } from './policy-sweep.js';
import { tunableParameter, type TunableParameter } from '../routing/policies/predicted/tunable-parameter.js';
import type { Replay, ReplayRow } from './replay.js';
import { buildEnvelopeReport, type EnvelopeReport } from './envelope-report.js';
import type { CrossValidationReport } from './eval-report-cross-validation.js';
import { twoModelMetrics, type CurvePoint } from '../learning/routing-metrics.js';

export type Operating = { quality: number; cost: number };

export type EvalReport = {
  router: string;
  examples: number;
  contaminated: number;
  /** Prompts that got no model (blocked, or every candidate filtered out): left out of the means. */
  unrouted: number;
  costSource: 'data' | 'catalog';
  result: Operating & { costPer1k: number };
  models: (Operating & { model: string; data: string; share: number })[];
  reference: (Operating & { model: string; savings: number; qualityKept: number }) | undefined;
  baselines: {
    /** Each of the router's models on every prompt. */
    single: (Operating & { model: string })[];
    /** A uniformly random choice among the router's models. */
    random: Operating;
    /** A random choice with the router's own shares: what routing adds over a static mix. */
    randomSameMix: Operating;
    /** Per prompt, the cheapest of the router's models with the best score. */
    oracle: Operating;
  };
  /** For a router with two models: RouteLLM's metrics of its score (see `scoreKind`). */
  twoModel:
    | {
        strong: string;
        weak: string;
        scoreKind: 'predicted_gain' | 'one_minus_weak_prediction' | 'choice';
        apgr: number | undefined;
        cpt50: number | undefined;
        cpt80: number | undefined;
        curve: CurvePoint[];
      }
    | undefined;
  /** The cost–quality curve of the router's predicted policy at other min_quality / threshold values. */
  sweep: { policy: string; parameter: TunableParameter['key']; current: number; points: SweepPoint[] } | undefined;
  /** Single models and their best two-model static mixes, against the router's swept curve. */
  envelope: EnvelopeReport;
  /** With `eval --cross-validate K`: the envelope comparison per fold and its spread (the rest of the report is out of fold). */
  crossValidation: CrossValidationReport | undefined;
};

export type EvalReportOptions = {
  /** Example id → task (the data's `benchmark` field), for the per-task comparison with the best model. */
  tasks?: ReadonlyMap<string, string> | undefined;
  /** Where to report the router's gap to the envelope, instead of log-spaced costs of this data's range. */
  gapCosts?: readonly number[] | undefined;
};

function mean(rows: readonly ReplayRow[], pick: (row: ReplayRow) => number): number {
  if (rows.length === 0) return 0;
  let sum = 0;
  for (const row of rows) sum += pick(row);
  return sum / rows.length;
}

/**
 * The number a two-model router thresholds on, for one prompt, oriented so that higher means "more
 * in need of the strong model": the predicted gain (strong_weak), one minus the weak model's
 * prediction (cheapest_above, which keeps the weak model when that clears min_quality), or 1/0
 * for whichever model a rule chose.
 */
export function routerScore(
  row: ReplayRow,
  strong: number,
  weak: number,
  weakModel: string,
): { score: number; kind: NonNullable<EvalReport['twoModel']>['scoreKind'] } {
  const prediction = row.prediction;
  if (prediction?.policy === 'strong_weak') {
    // The policy's "strong" may be the model that scores lower on the data: the gain then points the other way.
    const policyStrongIsWeak = prediction.chosen === weakModel ? prediction.gain >= prediction.threshold : prediction.gain < prediction.threshold;
    return { score: policyStrongIsWeak ? -prediction.gain : prediction.gain, kind: 'predicted_gain' };
  }
  if (prediction?.policy === 'cheapest_above' && Object.keys(prediction.predicted).length === 2) {
    return { score: 1 - (prediction.predicted[weakModel] ?? 0), kind: 'one_minus_weak_prediction' };
  }
  // Two models: the utility's choice is a threshold on the predicted gain, so the gain is its score.
  if (prediction?.policy === 'utility' && Object.keys(prediction.predicted).length === 2) {
    const strongModel = Object.keys(prediction.predicted).find((model) => model !== weakModel) as string;
    return { score: (prediction.predicted[strongModel] ?? 0) - (prediction.predicted[weakModel] ?? 0), kind: 'predicted_gain' };
  }
  return { score: row.chosen === strong ? 1 : row.chosen === weak ? 0 : 0.5, kind: 'choice' };
}

export function buildEvalReport(replay: Replay, options: EvalReportOptions = {}): EvalReport {
  const routed = replay.rows.filter((row) => row.chosen !== undefined);
  const { columns } = replay;
  const required = columns.map((_, index) => index).filter((index) => replay.targetModels.has((columns[index] as (typeof columns)[number]).model) || routed.some((row) => row.chosen === index));
  const result = { quality: mean(routed, (row) => row.quality[row.chosen as number] as number), cost: mean(routed, (row) => row.cost[row.chosen as number] as number) };
  const single = required.map((index) => ({
    model: (columns[index] as (typeof columns)[number]).model,
    quality: mean(routed, (row) => row.quality[index] as number),
    cost: mean(routed, (row) => row.cost[index] as number),
  }));
  const shares = columns.map((_, index) => (routed.length === 0 ? 0 : routed.filter((row) => row.chosen === index).length / routed.length));
  const models = required.map((index, position) => ({
    model: (columns[index] as (typeof columns)[number]).model,
    data: (columns[index] as (typeof columns)[number]).data,
    share: shares[index] as number,
    ...(single[position] as Operating),
  }));
  const oracle = {
    quality: mean(routed, (row) => Math.max(...required.map((index) => row.quality[index] as number))),
    cost: mean(routed, (row) => {
      let best = required[0] as number;
      for (const index of required) {
        const better = (row.quality[index] as number) > (row.quality[best] as number);
        const cheaperTie = row.quality[index] === row.quality[best] && (row.cost[index] as number) < (row.cost[best] as number);
        if (better || cheaperTie) best = index;
      }
      return row.cost[best] as number;
    }),
  };
  const random = {
    quality: single.reduce((sum, model) => sum + model.quality, 0) / Math.max(1, single.length),
    cost: single.reduce((sum, model) => sum + model.cost, 0) / Math.max(1, single.length),
  };
  const randomSameMix = {
    quality: required.reduce((sum, index, position) => sum + (shares[index] as number) * (single[position] as Operating).quality, 0),
    cost: required.reduce((sum, index, position) => sum + (shares[index] as number) * (single[position] as Operating).cost, 0),
  };
  let reference: EvalReport['reference'];
  if (replay.reference !== undefined) {
    const index = replay.reference;
    const quality = mean(routed, (row) => row.quality[index] as number);
    const cost = mean(routed, (row) => row.cost[index] as number);
    reference = {
      model: (columns[index] as (typeof columns)[number]).model,
      quality,
      cost,
      savings: cost === 0 ? 0 : 1 - result.cost / cost,
      qualityKept: quality === 0 ? 1 : result.quality / quality,
    };
  }
  let twoModel: EvalReport['twoModel'];
  if (required.length === 2 && routed.length > 0) {
    const [a, b] = required as [number, number];
    const qualityA = mean(routed, (row) => row.quality[a] as number);
    const qualityB = mean(routed, (row) => row.quality[b] as number);
    const strong = qualityA >= qualityB ? a : b;
    const weak = strong === a ? b : a;
    const weakModel = (columns[weak] as (typeof columns)[number]).model;
    const scored = routed.map((row) => routerScore(row, strong, weak, weakModel));
    const metrics = twoModelMetrics(
      scored.map((entry) => entry.score),
      routed.map((row) => row.quality[strong] as number),
      routed.map((row) => row.quality[weak] as number),
    );
    twoModel = {
      strong: (columns[strong] as (typeof columns)[number]).model,
      weak: weakModel,
      scoreKind: scored[0]?.kind ?? 'choice',
      apgr: metrics.apgr,
      cpt50: metrics.cpt50,
      cpt80: metrics.cpt80,
      curve: metrics.curve,
    };
  }
  const location = onlyPredictedTarget(replay);
  return {
    router: replay.router.name,
    examples: replay.rows.length,
    contaminated: replay.contaminated,
    unrouted: replay.rows.length - routed.length,
    costSource: replay.costSource,
    result: { ...result, costPer1k: result.cost * 1000 },
    models,
    reference,
    baselines: { single, random, randomSameMix, oracle },
    twoModel,
    sweep: location
      ? {
          policy: location.target.policy,
          parameter: tunableParameter(location.target).key,
          current: tunableParameter(location.target).value,
          points: sweep(replay, routed, location),
        }
      : undefined,
    envelope: buildEnvelopeReport(replay, routed, single, location, { tasks: options.tasks, costs: options.gapCosts }),
    crossValidation: undefined,
  };
}
