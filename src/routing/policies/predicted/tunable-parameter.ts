import type { Prediction } from '../../../spec/decision.js';
import type { AnyTarget } from '../policy-definition.js';
import { cheapestAbove, type PredictedTarget } from './compile-predicted-policy.js';

/**
 * The one number of a predicted policy that `eval` sweeps and `calibrate` tunes (`min_quality`
 * of `cheapest_above`, `threshold` of `strong_weak`), and how a replayed Decision is re-decided
 * at another value of it. Kept here, beside the rule itself, so evaluation never branches on a
 * policy's name.
 */
export type TunableParameter = {
  key: 'min_quality' | 'threshold';
  /** The value the config sets. */
  value: number;
  /** The lowest value a config accepts: always the strong model (-1), or the cheapest that clears anything (0). */
  lowest: number;
};

export function isPredictedTarget(target: AnyTarget): target is PredictedTarget {
  return target.policy === 'cheapest_above' || target.policy === 'strong_weak';
}

export function tunableParameter(target: PredictedTarget): TunableParameter {
  return target.policy === 'cheapest_above' ? { key: 'min_quality', value: target.minQuality, lowest: 0 } : { key: 'threshold', value: target.threshold, lowest: -1 };
}

/** The target as a config writes it, with its parameter set to `value`. */
export function writtenWith(target: PredictedTarget, value: number): Record<string, unknown> {
  return target.policy === 'cheapest_above'
    ? { cheapest_above: { models: target.models, min_quality: value } }
    : { strong_weak: { strong: target.strong, weak: target.weak, threshold: value } };
}

/** What a Decision's prediction compares with the parameter: every predicted score, or the strong model's gain. */
export function comparedValues(prediction: Prediction): number[] {
  return prediction.policy === 'strong_weak' ? [prediction.gain] : Object.values(prediction.predicted);
}

/**
 * Re-decides a prediction of `target` at another parameter value: the model it would have
 * chosen, or undefined for a prediction of another policy. `price` orders `cheapest_above`'s models.
 */
export function redecision(target: PredictedTarget, price: (model: string) => number): (prediction: Prediction, value: number) => string | undefined {
  if (target.policy === 'strong_weak') {
    return (prediction, value) => (prediction.policy === 'strong_weak' ? (prediction.gain >= value ? target.strong : target.weak) : undefined);
  }
  const ordered = [...target.models].sort((a, b) => price(a) - price(b));
  const positions = ordered.map((_, index) => index);
  return (prediction, value) => {
    if (prediction.policy !== 'cheapest_above') return undefined;
    const scores = ordered.map((model) => prediction.predicted[model] ?? 0);
    return ordered[cheapestAbove(scores, positions, value).index];
  };
}
