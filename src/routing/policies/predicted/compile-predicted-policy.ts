import type { TrainedRouter } from '../../../learning/trained-router.js';
import type { Prediction } from '../../../spec/decision.js';
import type { ModelSpec } from '../../../spec/model-spec.js';
import { buildStepPlan, type StepPlan, type PlanContext } from '../../build-step-plan.js';

/** A policy that chooses from predicted scores: the plan it picked and what it saw. */
export type PredictedChoice = { plan: StepPlan; prediction: Prediction };

/** Decides from the classifier's predictions (in the classifier's model order). */
export type PredictedPolicy = (predicted: Float64Array) => PredictedChoice;

/**
 * Predictions are compared at the precision the Decision shows (4 decimals), so a bound read off
 * a Decision, an eval sweep or `calibrate` decides exactly as it did there.
 */
export const PREDICTION_DECIMALS = 4;

/** The cheapest of `models` predicted to reach `minQuality`. */
export type CheapestAboveTarget = { policy: 'cheapest_above'; models: string[]; minQuality: number };

/** RouteLLM's form: `strong` when its predicted score exceeds `weak`'s by at least `threshold`. */
export type StrongWeakTarget = { policy: 'strong_weak'; strong: string; weak: string; threshold: number };

/** The model with the best predicted score minus `costWeight` × its price relative to the priciest. */
export type UtilityTarget = { policy: 'utility'; models: string[]; costWeight: number };

export type PredictedTarget = CheapestAboveTarget | StrongWeakTarget | UtilityTarget;

/**
 * What "cheapest" compares: a blend of 3 input tokens to 1 output token, the usual shape of chat
 * traffic. Fixed per model, so the order is computed once at startup, not per request.
 */
export function blendedPrice(spec: ModelSpec): number {
  return (3 * spec.price.input + spec.price.output) / 4;
}

export function roundPrediction(value: number): number {
  return Math.round(value * 10 ** PREDICTION_DECIMALS) / 10 ** PREDICTION_DECIMALS;
}

/**
 * Compiles `cheapest_above`, `strong_weak` or `utility`. Every plan it can return is built here, once: one
 * per model that can come first, followed by the policy's other models (pricier ones first, by
 * price, then cheaper ones) and router fallbacks, so a failure moves up in capability before down.
 */
export function compilePredictedPolicy(
  target: PredictedTarget,
  classifier: TrainedRouter,
  fallbacks: ReadonlyMap<string, readonly string[]>,
  context: PlanContext,
): PredictedPolicy {
  const names = target.policy === 'strong_weak' ? [target.weak, target.strong] : target.models;
  const classifierVersion = classifier.version;
  const byPrice = names
    .map((name) => ({ name, price: blendedPrice(context.models.get(name) as ModelSpec), at: classifier.position(name) as number }))
    .sort((a, b) => a.price - b.price);
  const plans = new Map<string, StepPlan>();
  for (const [rank, first] of byPrice.entries()) {
    const pricier = byPrice.slice(rank + 1).map((entry) => entry.name);
    const cheaper = byPrice.slice(0, rank).map((entry) => entry.name).reverse();
    plans.set(first.name, buildStepPlan(target.policy, [first.name, ...pricier, ...cheaper], fallbacks, context));
  }
  const predictedOf = (predicted: Float64Array): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const { name, at } of byPrice) out[name] = predicted[at] as number;
    return out;
  };

  if (target.policy === 'strong_weak') {
    const strongAt = classifier.position(target.strong) as number;
    const weakAt = classifier.position(target.weak) as number;
    const { threshold } = target;
    return (raw) => {
      const predicted = raw.map(roundPrediction);
      const gain = roundPrediction((predicted[strongAt] as number) - (predicted[weakAt] as number));
      const chosen = gain >= threshold ? target.strong : target.weak;
      return {
        plan: plans.get(chosen) as StepPlan,
        prediction: { policy: 'strong_weak', predicted: predictedOf(predicted), threshold, gain, chosen, classifierVersion },
      };
    };
  }

  const positions = byPrice.map((entry) => entry.at);
  if (target.policy === 'utility') {
    const { costWeight } = target;
    const prices = relativePrices(byPrice.map((entry) => entry.price));
    const shownPrices: Record<string, number> = {};
    byPrice.forEach(({ name }, index) => (shownPrices[name] = prices[index] as number));
    return (raw) => {
      const predicted = raw.map(roundPrediction);
      const name = (byPrice[bestUtility(predicted, positions, prices, costWeight)] as (typeof byPrice)[number]).name;
      return {
        plan: plans.get(name) as StepPlan,
        prediction: { policy: 'utility', predicted: predictedOf(predicted), costWeight, prices: shownPrices, chosen: name, classifierVersion },
      };
    };
  }

  const { minQuality } = target;
  return (raw) => {
    const predicted = raw.map(roundPrediction);
    const { index, cleared } = cheapestAbove(predicted, positions, minQuality);
    const name = (byPrice[index] as (typeof byPrice)[number]).name;
    return {
      plan: plans.get(name) as StepPlan,
      prediction: { policy: 'cheapest_above', predicted: predictedOf(predicted), minQuality, chosen: name, cleared, classifierVersion },
    };
  };
}

/**
 * The rule of `cheapest_above`, shared by the gateway and offline replays: over models listed from
 * cheapest to priciest (`positions` into `predicted`), the index of the first whose prediction is
 * at least `minQuality`; when none is, the best predicted (ties to the cheaper).
 */
export function cheapestAbove(predicted: ArrayLike<number>, positions: readonly number[], minQuality: number): { index: number; cleared: boolean } {
  let best = 0;
  for (let index = 0; index < positions.length; index++) {
    const score = predicted[positions[index] as number] as number;
    if (score >= minQuality) return { index, cleared: true };
    if (score > (predicted[positions[best] as number] as number)) best = index;
  }
  return { index: best, cleared: false };
}

/** Prices as shares of the priciest (4 decimals, as a Decision shows them); all 0 when every model is free. */
export function relativePrices(prices: readonly number[]): number[] {
  const highest = Math.max(...prices);
  return prices.map((price) => (highest > 0 ? roundPrediction(price / highest) : 0));
}

/**
 * The rule of `utility`, shared by the gateway and offline replays: over models listed from cheapest
 * to priciest (`positions` into `predicted`, `prices` in the same order), the index of the one with
 * the highest predicted score minus `costWeight` × price; ties go to the cheaper. For two models this
 * is a threshold on the predicted gain (strong when gain > costWeight × price gap), as `strong_weak`.
 */
export function bestUtility(predicted: ArrayLike<number>, positions: readonly number[], prices: readonly number[], costWeight: number): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let index = 0; index < positions.length; index++) {
    const value = (predicted[positions[index] as number] as number) - costWeight * (prices[index] as number);
    if (value > bestValue) {
      best = index;
      bestValue = value;
    }
  }
  return best;
}
