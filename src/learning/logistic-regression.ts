import type { SparseVector } from '../features/text-features.js';
import { seededRandom } from '../util/seeded-random.js';

export type LogisticOptions = {
  epochs: number;
  /** Adagrad step size. */
  learningRate: number;
  /** L2 penalty per update. */
  l2: number;
  seed: number;
};

export type LinearModel = { weights: Float32Array; bias: number };

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export function predictLinear(model: LinearModel, x: SparseVector): number {
  let z = model.bias;
  const { indices, values } = x;
  for (let k = 0; k < indices.length; k++) z += (model.weights[indices[k] as number] as number) * (values[k] as number);
  return sigmoid(z);
}

/**
 * Logistic regression on sparse features, fitted by Adagrad SGD with an L2 penalty. Targets are
 * probabilities in [0, 1] (a correct/wrong score, or a graded one: cross-entropy works for both).
 * Deterministic: the visiting order comes from the seed.
 */
export function trainLogistic(rows: readonly SparseVector[], targets: ArrayLike<number>, length: number, options: LogisticOptions): LinearModel {
  const weights = new Float64Array(length);
  const squared = new Float64Array(length).fill(1e-8);
  let mean = 0;
  for (let index = 0; index < targets.length; index++) mean += targets[index] as number;
  mean /= Math.max(1, targets.length);
  const clamped = Math.min(1 - 1e-4, Math.max(1e-4, mean));
  // Starting at the base rate makes the early updates learn the prompt, not the average.
  let bias = Math.log(clamped / (1 - clamped));
  let biasSquared = 1e-8;
  const order = Array.from({ length: rows.length }, (_, index) => index);
  const random = seededRandom(options.seed);
  const { learningRate, l2 } = options;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let index = order.length - 1; index > 0; index--) {
      const swap = Math.floor(random() * (index + 1));
      const held = order[index] as number;
      order[index] = order[swap] as number;
      order[swap] = held;
    }
    for (const row of order) {
      const { indices, values } = rows[row] as SparseVector;
      let z = bias;
      for (let k = 0; k < indices.length; k++) z += (weights[indices[k] as number] as number) * (values[k] as number);
      const gradient = sigmoid(z) - (targets[row] as number);
      for (let k = 0; k < indices.length; k++) {
        const j = indices[k] as number;
        const step = gradient * (values[k] as number) + l2 * (weights[j] as number);
        squared[j] = (squared[j] as number) + step * step;
        weights[j] = (weights[j] as number) - (learningRate * step) / Math.sqrt(squared[j] as number);
      }
      biasSquared += gradient * gradient;
      bias -= (learningRate * gradient) / Math.sqrt(biasSquared);
    }
  }
  return { weights: Float32Array.from(weights), bias };
}
