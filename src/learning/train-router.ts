import { basename } from 'node:path';
import { extractFeatures, featureLength, type FeatureSpec, type SparseVector } from '../features/text-features.js';
import { DENSE_FEATURES, denseFeatures } from '../features/text-statistics.js';
import { twoModelMetrics } from './routing-metrics.js';
import { predictLinear, trainLogistic, type LinearModel, type LogisticOptions } from './logistic-regression.js';
import { inHoldout, type ScoredExample } from './scored-data.js';
import { exampleText } from './example-text.js';
import { TrainedRouter, type HoldoutReport } from './trained-router.js';

/** What `train` fits unless told otherwise: words and word pairs, and the dense statistics at 0.3 (see bench/). */
export const DEFAULT_FEATURES: Omit<FeatureSpec, 'dense'> & { denseScale: number } = {
  dimensions: 1 << 18,
  wordNgrams: 2,
  charNgrams: undefined,
  denseScale: 0.3,
};

export const DEFAULT_LOGISTIC: Omit<LogisticOptions, 'seed'> = { epochs: 5, learningRate: 0.05, l2: 0.001 };

export type TrainOptions = {
  /** Data model name → the name the router file uses (a catalog model); models not listed keep their name. */
  rename: ReadonlyMap<string, string>;
  /** Data model names to train; default every model scored on every example. */
  models: readonly string[];
  seed: number;
  /** Share of examples held out to report quality on (0 trains on all and reports nothing). */
  holdout: number;
  features: typeof DEFAULT_FEATURES;
  logistic: Omit<LogisticOptions, 'seed'>;
  /** Shown in the file's training record. */
  dataName: string;
};

/** `seconds` is reported, not stored: the file must be the same bytes for the same data and seed. */
export type TrainResult = { router: TrainedRouter; trainExamples: number; holdoutExamples: number; seconds: number };

/** Mean and deviation of each dense feature over the training examples. */
function standardisation(examples: readonly ScoredExample[], scale: number): NonNullable<FeatureSpec['dense']> {
  const mean = new Array<number>(DENSE_FEATURES.length).fill(0);
  const squares = new Array<number>(DENSE_FEATURES.length).fill(0);
  for (const example of examples) {
    const { text, turns } = exampleText(example);
    denseFeatures(text, turns).forEach((value, index) => {
      mean[index] = (mean[index] as number) + value;
      squares[index] = (squares[index] as number) + value * value;
    });
  }
  const n = Math.max(1, examples.length);
  const std = mean.map((sum, index) => Math.sqrt(Math.max(0, (squares[index] as number) / n - (sum / n) ** 2)));
  // Rounded: the file stays readable and the same on every platform.
  const round = (value: number): number => Number(value.toPrecision(8));
  return { scale, mean: mean.map((sum) => round(sum / n)), std: std.map(round) };
}

/** Area under the ROC curve of predictions for 0/1 labels (ties count half); undefined with one class. */
export function rocAuc(predicted: ArrayLike<number>, labels: ArrayLike<number>): number | undefined {
  const order = Array.from({ length: predicted.length }, (_, index) => index).sort((a, b) => (predicted[a] as number) - (predicted[b] as number));
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && predicted[order[end + 1] as number] === predicted[order[start] as number]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (labels[order[k] as number] === 1) {
        positives++;
        rankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return undefined;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Fits one logistic model per scored model on text features of the prompts, holding out a
 * stable share of examples (by id) to report quality on. Deterministic for the same data and seed.
 */
export function trainRouter(examples: readonly ScoredExample[], options: TrainOptions): TrainResult {
  const started = performance.now();
  const clean = examples.filter((example) => !example.contaminated);
  const train: ScoredExample[] = [];
  const held: ScoredExample[] = [];
  for (const example of clean) (options.holdout > 0 && inHoldout(example.id, options.holdout, options.seed) ? held : train).push(example);
  if (train.length === 0) throw new RangeError('no examples left to train on; lower --holdout');
  const { denseScale, ...hashed } = options.features;
  const features: FeatureSpec = { ...hashed, dense: denseScale > 0 ? standardisation(train, denseScale) : undefined };
  const featurize = (example: ScoredExample): SparseVector => {
    const { text, turns } = exampleText(example);
    return extractFeatures(text, features, turns);
  };
  const trainRows = train.map(featurize);
  const heldRows = held.map(featurize);
  const length = featureLength(features);
  const linear: LinearModel[] = [];
  const names: string[] = [];
  const holdoutModels: HoldoutReport['models'] = {};
  const heldPredictions: Float64Array[] = [];
  for (const [position, model] of options.models.entries()) {
    const targets = Float64Array.from(train, (example) => example.scores[model] as number);
    // Each model gets its own visiting order, still fixed by the seed.
    const fitted = trainLogistic(trainRows, targets, length, { ...options.logistic, seed: options.seed + position * 7919 });
    linear.push(fitted);
    const name = options.rename.get(model) ?? model;
    names.push(name);
    if (held.length > 0) {
      const predicted = Float64Array.from(heldRows, (row) => predictLinear(fitted, row));
      const actual = Float64Array.from(held, (example) => example.scores[model] as number);
      heldPredictions.push(predicted);
      let loss = 0;
      let meanScore = 0;
      let meanPredicted = 0;
      let binary = true;
      for (let k = 0; k < predicted.length; k++) {
        const p = Math.min(1 - 1e-7, Math.max(1e-7, predicted[k] as number));
        const y = actual[k] as number;
        if (y !== 0 && y !== 1) binary = false;
        loss -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
        meanScore += y;
        meanPredicted += p;
      }
      holdoutModels[name] = {
        meanScore: meanScore / held.length,
        meanPredicted: meanPredicted / held.length,
        logLoss: loss / held.length,
        auc: binary ? rocAuc(predicted, actual) : undefined,
      };
    }
  }
  let twoModel: HoldoutReport['twoModel'];
  if (held.length > 1 && options.models.length === 2) {
    // The strong model is the one that scores higher on the held-out part.
    const [first, second] = options.models as [string, string];
    const mean = (model: string): number => held.reduce((sum, example) => sum + (example.scores[model] as number), 0) / held.length;
    const strongIndex = mean(first) >= mean(second) ? 0 : 1;
    const strong = options.models[strongIndex] as string;
    const weak = options.models[1 - strongIndex] as string;
    const gain = (heldPredictions[strongIndex] as Float64Array).map((p, k) => p - ((heldPredictions[1 - strongIndex] as Float64Array)[k] as number));
    const metrics = twoModelMetrics(
      gain,
      held.map((example) => example.scores[strong] as number),
      held.map((example) => example.scores[weak] as number),
    );
    twoModel = {
      strong: options.rename.get(strong) ?? strong,
      weak: options.rename.get(weak) ?? weak,
      apgr: metrics.apgr,
      cpt50: metrics.cpt50,
      cpt80: metrics.cpt80,
    };
  }
  const router = new TrainedRouter(features, linear, names, {
    data: basename(options.dataName),
    examples: train.length,
    seed: options.seed,
    holdoutFraction: options.holdout,
    options: { ...options.logistic },
    holdout: held.length > 0 ? { examples: held.length, models: holdoutModels, twoModel } : undefined,
  });
  return { router, trainExamples: train.length, holdoutExamples: held.length, seconds: Math.round((performance.now() - started) / 10) / 100 };
}
