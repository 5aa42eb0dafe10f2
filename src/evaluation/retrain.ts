import type { ResolvedConfig } from '../config/resolved-config.js';
import type { ScoredExample } from '../learning/scored-data.js';
import { trainRouter } from '../learning/train-router.js';
import { trainedRouterVersion, type TrainedRouter } from '../learning/trained-router.js';
import type { RouterSpec } from '../routing/router-spec.js';
import type { ScoredLine } from '../telemetry/feedback-to-scored.js';
import { listNames } from '../util/describe-value.js';
import { seededRandom } from '../util/seeded-random.js';
import { foldTrainOptions } from './eval-report-cross-validation.js';
import { replay, ReplayError, routerModels, type Replay } from './replay.js';

/**
 * `switchyard retrain`: a candidate router file trained on the base data plus the older part of the
 * store's scored traffic, compared with the current file on the newest part (never trained on),
 * request by request, and promoted only when it is better at no higher cost.
 */

export type RetrainOptions = {
  /** Share of the router's scored traces, the newest, held back to compare on (never trained on). */
  recent: number;
  /** Seed of the bootstrap. */
  seed: number;
  /** Bootstrap resamples of the paired difference. */
  resamples: number;
  /** How much dearer per request the candidate may be and still be promoted, as a share of the current cost (0: not dearer). */
  costTolerance: number;
  outputTokens: number;
  /** The base data's file name, kept in the candidate's training record. */
  dataName: string;
};

export const DEFAULT_RETRAIN = { recent: 0.2, seed: 1, resamples: 2000, costTolerance: 0 } as const;

export type Interval = { mean: number; low: number; high: number };

export type RouterScore = { version: string | undefined; quality: number; costPer1k: number };

export type RetrainReport = {
  router: string;
  file: string;
  /** Examples trained on: the base data's, and the store's older traffic's. */
  trained: { base: number; store: number };
  /** The store's scored traces of this router, and how many lacked a score for a model the file predicts (left out). */
  store: { scored: number; incomplete: number };
  /** The held-back newest traffic both routers are compared on. */
  heldBack: number;
  current: RouterScore;
  candidate: RouterScore;
  /** Candidate minus current, per request, with a 95% paired bootstrap interval. */
  quality: Interval;
  costPer1k: Interval;
  promote: boolean;
  /** Why it is or is not promoted, in words. */
  reasons: string[];
};

export type RetrainResult = { report: RetrainReport; candidate: TrainedRouter; text: string };

/** A scored line from the store as a training or evaluation example. */
export function storeExample(line: ScoredLine, index: number): ScoredExample {
  return { id: line.id, line: index + 1, messages: line.messages, scores: line.scores, costs: line.costs, contaminated: false };
}

/** A data model's scores (and costs) under the catalog names the router file and the store use. */
export function renameModels(example: ScoredExample, map: ReadonlyMap<string, string>): ScoredExample {
  if (map.size === 0) return example;
  const rename = (record: Readonly<Record<string, number>>): Record<string, number> => Object.fromEntries(Object.entries(record).map(([name, value]) => [map.get(name) ?? name, value]));
  return { ...example, scores: rename(example.scores), costs: example.costs === undefined ? undefined : rename(example.costs) };
}

const scoresAll = (models: readonly string[]) => (example: ScoredExample): boolean => models.every((model) => example.scores[model] !== undefined);

/**
 * `base`: the data the file was trained on, in catalog names. `store`: the router's scored traffic,
 * oldest first. The newest `recent` share of `store` is held back; the candidate trains with the
 * current file's options on `base` and the rest.
 */
export async function retrain(config: ResolvedConfig, router: RouterSpec, base: readonly ScoredExample[], store: readonly ScoredExample[], options: RetrainOptions): Promise<RetrainResult> {
  const classifier = router.classifier;
  if (classifier?.type !== 'trained') throw new ReplayError(`router "${router.name}" has no trained classifier (classifier: { type: trained, path: FILE }) to retrain`);
  const current = classifier.model;
  const predicts = scoresAll(current.models);
  const split = store.length - Math.round(store.length * options.recent);
  const older = store.slice(0, split);
  const newest = store.slice(split);
  const chooses = routerModels(router);
  const heldBack = newest.filter(scoresAll(chooses));
  if (heldBack.length === 0) {
    throw new ReplayError(
      `none of the ${newest.length} newest scored traces of router "${router.name}" (--recent ${options.recent} of ${store.length}) scores every model it can choose (${listNames(chooses)}); ` +
        'shadow evaluation of those models, or feedback, scores them',
    );
  }
  const baseTrain = base.filter((example) => !example.contaminated && predicts(example));
  const storeTrain = older.filter(predicts);
  if (baseTrain.length === 0 && base.length > 0) throw new ReplayError(`no example of the base data scores every model the file predicts (${listNames(current.models)}); name data models with --map DATA=CATALOG`);

  const columns = current.models.map((model) => ({ model, data: model, price: 0 }));
  const { router: candidate } = trainRouter([...baseTrain, ...storeTrain], foldTrainOptions(current, columns, options.dataName));
  const text = `${JSON.stringify(candidate.toJSON())}\n`;
  const candidateRouter: RouterSpec = { ...router, classifier: { ...classifier, model: candidate } };
  const candidateConfig: ResolvedConfig = { ...config, routers: new Map(config.routers).set(router.name, candidateRouter) };
  const replayOptions = { map: new Map<string, string>(), outputTokens: options.outputTokens };
  const before = await replay(config, router, heldBack, replayOptions);
  const after = await replay(candidateConfig, candidateRouter, heldBack, replayOptions);
  const pairs = paired(before, after);
  if (pairs.quality.length === 0) throw new ReplayError(`router "${router.name}" chose no model for any of the ${heldBack.length} held-back requests`);
  const random = seededRandom(options.seed);
  const quality = bootstrapMean(pairs.quality, options.resamples, random);
  const cost = bootstrapMean(pairs.cost, options.resamples, random);
  const currentScore: RouterScore = { version: current.version, quality: mean(pairs.currentQuality), costPer1k: mean(pairs.currentCost) * 1000 };
  const candidateScore: RouterScore = { version: trainedRouterVersion(text), quality: mean(pairs.candidateQuality), costPer1k: mean(pairs.candidateCost) * 1000 };
  const verdict = decide(quality, currentScore, candidateScore, options.costTolerance);
  return {
    report: {
      router: router.name,
      file: classifier.path,
      trained: { base: baseTrain.length, store: storeTrain.length },
      store: { scored: store.length, incomplete: store.filter((example) => !predicts(example)).length },
      heldBack: pairs.quality.length,
      current: currentScore,
      candidate: candidateScore,
      quality,
      costPer1k: { mean: cost.mean * 1000, low: cost.low * 1000, high: cost.high * 1000 },
      ...verdict,
    },
    candidate,
    text,
  };
}

/** Promoted only when the whole 95% interval of the quality gain is above 0 and the cost is not higher (beyond the tolerance). */
function decide(quality: Interval, current: RouterScore, candidate: RouterScore, costTolerance: number): { promote: boolean; reasons: string[] } {
  const reasons: string[] = [];
  const better = quality.low > 0;
  reasons.push(
    better
      ? `quality is higher: +${fixed(quality.mean)} per request, 95% CI [${fixed(quality.low)}, ${fixed(quality.high)}] above 0`
      : `quality is not surely higher: ${signed(quality.mean)} per request, 95% CI [${fixed(quality.low)}, ${fixed(quality.high)}] reaches 0 or below`,
  );
  const ceiling = current.costPer1k * (1 + costTolerance);
  const affordable = candidate.costPer1k <= ceiling + 1e-12;
  reasons.push(
    affordable
      ? `cost is not higher: $${fixed(candidate.costPer1k)} per 1k against $${fixed(current.costPer1k)}${costTolerance > 0 ? ` (tolerance ${costTolerance * 100}%)` : ''}`
      : `cost is higher: $${fixed(candidate.costPer1k)} per 1k against $${fixed(current.costPer1k)}${costTolerance > 0 ? ` (more than ${costTolerance * 100}% above)` : ''}`,
  );
  return { promote: better && affordable, reasons };
}

const fixed = (value: number): string => String(Number(value.toFixed(4)));
const signed = (value: number): string => (value > 0 ? `+${fixed(value)}` : fixed(value));

/** Per held-back request both routers chose a model for: each one's quality and cost, and the candidate's differences. */
function paired(before: Replay, after: Replay): { quality: number[]; cost: number[]; currentQuality: number[]; candidateQuality: number[]; currentCost: number[]; candidateCost: number[] } {
  const out = { quality: [] as number[], cost: [] as number[], currentQuality: [] as number[], candidateQuality: [] as number[], currentCost: [] as number[], candidateCost: [] as number[] };
  before.rows.forEach((row, index) => {
    const other = after.rows[index];
    if (row.chosen === undefined || other?.chosen === undefined) return;
    const q0 = row.quality[row.chosen] as number;
    const q1 = other.quality[other.chosen] as number;
    const c0 = row.cost[row.chosen] as number;
    const c1 = other.cost[other.chosen] as number;
    out.currentQuality.push(q0);
    out.candidateQuality.push(q1);
    out.currentCost.push(c0);
    out.candidateCost.push(c1);
    out.quality.push(q1 - q0);
    out.cost.push(c1 - c0);
  });
  return out;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The mean of `values` with a 95% percentile bootstrap interval. */
export function bootstrapMean(values: readonly number[], resamples: number, random: () => number): Interval {
  const n = values.length;
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += values[Math.floor(random() * n)] as number;
    means[b] = sum / n;
  }
  means.sort();
  const at = (share: number): number => means[Math.min(resamples - 1, Math.max(0, Math.floor(share * resamples)))] as number;
  return { mean: mean(values), low: at(0.025), high: at(0.975) };
}
