import type { Prediction } from '../../../spec/decision.js';
import type { AnyTarget } from '../policy-definition.js';
import { bestUtility, cheapestAbove, type PredictedTarget } from './compile-predicted-policy.js';

/**
 * The one number of a predicted policy that `eval` sweeps and `calibrate` tunes (`min_quality`
 * of `cheapest_above`, `threshold` of `strong_weak`, `cost_weight` of `utility`), and how a replayed Decision is re-decided
 * at another value of it. Kept here, beside the rule itself, so evaluation never branches on a
 * policy's name.
 */
export type TunableParameter = {
  key: 'min_quality' | 'threshold' | 'cost_weight';
  /** The value the config sets. */
  value: number;
  /** The lowest value a config accepts: always the strong model (-1), the cheapest that clears anything (0), or the best predicted whatever it costs (0). */
  lowest: number;
};

export function isPredictedTarget(target: AnyTarget): target is PredictedTarget {
  return target.policy === 'cheapest_above' || target.policy === 'strong_weak' || target.policy === 'utility';
}

export function tunableParameter(target: PredictedTarget): TunableParameter {
  if (target.policy === 'utility') return { key: 'cost_weight', value: target.costWeight, lowest: 0 };
  return target.policy === 'cheapest_above' ? { key: 'min_quality', value: target.minQuality, lowest: 0 } : { key: 'threshold', value: target.threshold, lowest: -1 };
}

/** The target as a config writes it, with its parameter set to `value`. */
export function writtenWith(target: PredictedTarget, value: number): Record<string, unknown> {
  if (target.policy === 'utility') return { utility: { models: target.models, cost_weight: value } };
  return target.policy === 'cheapest_above'
    ? { cheapest_above: { models: target.models, min_quality: value } }
    : { strong_weak: { strong: target.strong, weak: target.weak, threshold: value } };
}

/**
 * What a Decision's prediction compares with the parameter: every predicted score, the strong
 * model's gain, or (utility) the cost weights at which a pricier model stops beating a cheaper one.
 */
export function comparedValues(prediction: Prediction): number[] {
  if (prediction.policy === 'strong_weak') return [prediction.gain];
  if (prediction.policy === 'cheapest_above') return Object.values(prediction.predicted);
  const models = Object.keys(prediction.predicted);
  const weights: number[] = [];
  for (const cheap of models) {
    for (const dear of models) {
      const priceGap = (prediction.prices[dear] as number) - (prediction.prices[cheap] as number);
      const scoreGap = (prediction.predicted[dear] as number) - (prediction.predicted[cheap] as number);
      if (priceGap > 0 && scoreGap > 0) weights.push(scoreGap / priceGap);
    }
  }
  return weights;
}

/**
 * Re-decides a prediction of `target` at another parameter value: the model it would have
 * chosen, or undefined for a prediction of another policy. `price` orders `cheapest_above`'s models.
 */
export function redecision(target: PredictedTarget, price: (model: string) => number): (prediction: Prediction, value: number) => string | undefined {
  if (target.policy === 'strong_weak') {
    return (prediction, value) => (prediction.policy === 'strong_weak' ? (prediction.gain >= value ? target.strong : target.weak) : undefined);
  }
  if (target.policy === 'utility') {
    // The prices the gateway compared are in the Decision: re-deciding with them decides as it did.
    return (prediction, value) => {
      if (prediction.policy !== 'utility') return undefined;
      const ordered = Object.keys(prediction.prices).sort((a, b) => (prediction.prices[a] as number) - (prediction.prices[b] as number));
      const scores = ordered.map((model) => prediction.predicted[model] ?? 0);
      const prices = ordered.map((model) => prediction.prices[model] as number);
      return ordered[bestUtility(scores, ordered.map((_, index) => index), prices, value)];
    };
  }
  const ordered = [...target.models].sort((a, b) => price(a) - price(b));
  const positions = ordered.map((_, index) => index);
  return (prediction, value) => {
    if (prediction.policy !== 'cheapest_above') return undefined;
    const scores = ordered.map((model) => prediction.predicted[model] ?? 0);
    return ordered[cheapestAbove(scores, positions, value).index];
  };
}
