import type { ResolvedConfig } from '../config/resolved-config.js';
import type { RouterSpec } from '../routing/router-spec.js';
import type { ScoredExample } from '../learning/scored-data.js';
import { DEFAULT_FEATURES, DEFAULT_LOGISTIC, trainRouter, type TrainOptions } from '../learning/train-router.js';
import type { TrainedRouter } from '../learning/trained-router.js';
import { buildEvalReport, type EvalReport } from './eval-report.js';
import { replay, ReplayError, type ModelColumn, type Replay, type ReplayOptions } from './replay.js';

/**
 * `eval --cross-validate K`: a router trained on each K−1 folds routes the fold it never saw, so
 * every prompt is routed by a router that did not train on it. The report is built on all those
 * out-of-fold decisions together (one setting of the policy's parameter applies to every fold, as
 * in a config), and the envelope comparison is repeated per fold for its spread.
 */

export type Spread = { mean: number; sd: number; min: number; max: number; folds: number };

export type FoldResult = {
  fold: number;
  examples: number;
  trainExamples: number;
  area: number | undefined;
  worstGap: number | undefined;
  /** router − envelope at the pooled report's gap costs. */
  gaps: (number | undefined)[];
  tasks: { task: string; reachCost: number | undefined; cheaper: boolean }[];
};

export type CrossValidationReport = {
  folds: number;
  seed: number;
  trainSeconds: number;
  perFold: FoldResult[];
  area: Spread | undefined;
  worstGap: Spread | undefined;
  gaps: (Spread | undefined)[];
  /** Per task: in how many folds the router reaches the best model's quality for less. */
  tasks: { task: string; cheaperIn: number; folds: number }[];
};

/** Which of `folds` folds an example is in: a hash of its id, so the split does not depend on file order. */
export function foldOf(id: string, folds: number, seed: number): number {
  let hash = (2166136261 ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  for (let index = 0; index < id.length; index++) hash = Math.imul(hash ^ id.charCodeAt(index), 16777619);
  hash ^= hash >>> 15;
  hash = Math.imul(hash, 0x2c1b3c6d);
  hash ^= hash >>> 12;
  return (hash >>> 0) % folds;
}

/**
 * What each fold trains with: `switchyard train`'s defaults, with the seed, logistic options and
 * dense-feature weight the router file's training record and features say. The one place that
 * knows `TrainOptions`.
 */
export function foldTrainOptions(file: TrainedRouter, columns: readonly ModelColumn[], dataName: string): TrainOptions {
  const record = file.training;
  const logistic = { ...DEFAULT_LOGISTIC };
  for (const key of Object.keys(logistic) as (keyof typeof logistic)[]) {
    const given = record?.options[key];
    if (typeof given === 'number' && Number.isFinite(given)) logistic[key] = given;
  }
  return {
    rename: new Map(columns.map((column) => [column.data, column.model])),
    models: columns.map((column) => column.data),
    seed: record?.seed ?? 1,
    holdout: 0,
    features: { ...DEFAULT_FEATURES, denseScale: file.features.dense?.scale ?? 0 },
    logistic,
    dataName,
  };
}

export function spread(values: readonly (number | undefined)[]): Spread | undefined {
  const known = values.filter((value): value is number => value !== undefined);
  if (known.length === 0) return undefined;
  const mean = known.reduce((sum, value) => sum + value, 0) / known.length;
  // Sample deviation: the folds are a sample of the splits one could have drawn.
  const sd = known.length > 1 ? Math.sqrt(known.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (known.length - 1)) : 0;
  return { mean, sd, min: Math.min(...known), max: Math.max(...known), folds: known.length };
}

function sameColumns(a: readonly ModelColumn[], b: readonly ModelColumn[]): boolean {
  return a.length === b.length && a.every((column, index) => column.model === b[index]?.model && column.data === b[index]?.data);
}

export async function crossValidatedReport(
  config: ResolvedConfig,
  router: RouterSpec,
  examples: readonly ScoredExample[],
  options: ReplayOptions & { folds: number; seed: number; dataName: string; tasks?: ReadonlyMap<string, string> | undefined },
): Promise<{ replay: Replay; report: EvalReport }> {
  const classifier = router.classifier;
  if (classifier?.type !== 'trained') throw new ReplayError(`router "${router.name}" has no trained classifier; --cross-validate trains one per fold in its place`);
  // Routed once with the file's router only to learn the data's columns, which every fold must share.
  const whole = await replay(config, router, examples, options);
  const trained = whole.columns.filter((column) => whole.targetModels.has(column.model));
  const trainOptions = foldTrainOptions(classifier.model, trained, options.dataName);
  const clean = examples.filter((example) => !example.contaminated);
  const folds: { replay: Replay; trainExamples: number }[] = [];
  let trainSeconds = 0;
  for (let fold = 0; fold < options.folds; fold++) {
    const held = clean.filter((example) => foldOf(example.id, options.folds, options.seed) === fold);
    const train = clean.filter((example) => foldOf(example.id, options.folds, options.seed) !== fold);
    if (held.length === 0 || train.length === 0) throw new ReplayError(`--cross-validate ${options.folds} leaves fold ${fold + 1} of ${clean.length} examples empty; use fewer folds`);
    const result = trainRouter(train, trainOptions);
    trainSeconds += result.seconds;
    const foldRouter: RouterSpec = { ...router, classifier: { ...classifier, model: result.router } };
    const foldConfig: ResolvedConfig = { ...config, routers: new Map(config.routers).set(router.name, foldRouter) };
    const routed = await replay(foldConfig, foldRouter, held, options);
    if (!sameColumns(routed.columns, whole.columns)) throw new ReplayError(`fold ${fold + 1} scores other models than the whole data; every example needs the same models scored`);
    folds.push({ replay: routed, trainExamples: result.trainExamples });
  }
  const pooled: Replay = { ...whole, rows: folds.flatMap((fold) => fold.replay.rows).sort((a, b) => a.example.line - b.example.line) };
  const report = buildEvalReport(pooled, { tasks: options.tasks });
  const costs = report.envelope.comparison?.gaps.map((gap) => gap.cost);
  const perFold = folds.map(({ replay: foldReplay, trainExamples }, fold): FoldResult => {
    const { envelope } = buildEvalReport(foldReplay, { tasks: options.tasks, gapCosts: costs });
    return {
      fold: fold + 1,
      examples: foldReplay.rows.length,
      trainExamples,
      area: envelope.comparison?.area,
      worstGap: envelope.comparison?.worst.gap,
      gaps: envelope.comparison?.gaps.map((gap) => gap.gap) ?? [],
      tasks: envelope.tasks.map(({ task, reachCost, cheaper }) => ({ task, reachCost, cheaper })),
    };
  });
  const taskNames = report.envelope.tasks.map((task) => task.task);
  const crossValidation: CrossValidationReport = {
    folds: options.folds,
    seed: options.seed,
    trainSeconds: Math.round(trainSeconds * 100) / 100,
    perFold,
    area: spread(perFold.map((fold) => fold.area)),
    worstGap: spread(perFold.map((fold) => fold.worstGap)),
    gaps: (costs ?? []).map((_, index) => spread(perFold.map((fold) => fold.gaps[index]))),
    tasks: taskNames.map((task) => ({
      task,
      cheaperIn: perFold.filter((fold) => fold.tasks.some((entry) => entry.task === task && entry.cheaper)).length,
      folds: perFold.filter((fold) => fold.tasks.some((entry) => entry.task === task)).length,
    })),
  };
  return { replay: pooled, report: { ...report, crossValidation } };
}
