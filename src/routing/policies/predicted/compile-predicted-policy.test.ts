import { describe, expect, it } from 'vitest';
import type { ProviderConfig } from '../../../providers/provider-config.js';
import { TrainedRouter } from '../../../learning/trained-router.js';
import type { ModelSpec } from '../../../spec/model-spec.js';
import { DEFAULT_RELIABILITY } from '../../../spec/reliability.js';
import type { StepPlan, PlanContext } from '../../build-step-plan.js';
import { seededRandom } from '../../../util/seeded-random.js';
import {
  bestUtility,
  blendedPrice,
  cheapestAbove,
  compilePredictedPolicy,
  relativePrices,
  type CheapestAboveTarget,
  type StrongWeakTarget,
  type UtilityTarget,
} from './compile-predicted-policy.js';
import { comparedValues, redecision, tunableParameter, writtenWith } from './tunable-parameter.js';

function model(name: string, provider: string, input: number, output: number): ModelSpec {
  return {
    name,
    provider,
    wireModel: name,
    price: { input, cachedInput: undefined, cacheWrite: undefined, output },
    contextWindow: undefined,
    maxOutput: undefined,
    capabilities: { tools: undefined, jsonSchema: undefined, vision: undefined, streaming: undefined, reasoning: undefined, builtinTools: undefined },
    reliability: DEFAULT_RELIABILITY,
    origin: 'config',
  };
}

function provider(name: string, missingEnv: string[] | undefined): ProviderConfig {
  return {
    type: 'mock',
    name,
    disabled: missingEnv ? { missingEnv } : undefined,
    reliability: { retry: {}, timeout: {}, circuitBreaker: {} },
    upstreamUrl: undefined,
    seed: 1,
    latencyMs: { min: 0, max: 0 },
    chunkDelayMs: 0,
    reply: undefined,
    faults: [],
    script: [],
  };
}

// Blended prices (3·input + output) / 4: small 1, mid 3, big 10, backup 5.
const MODELS = new Map<string, ModelSpec>([
  ['small', model('small', 'on', 1, 1)],
  ['mid', model('mid', 'on', 2, 6)],
  ['big', model('big', 'on', 8, 16)],
  ['backup', model('backup', 'off', 5, 5)],
]);
const PROVIDERS = new Map<string, ProviderConfig>([
  ['on', provider('on', undefined)],
  ['off', provider('off', ['OFF_KEY'])],
]);
const context = (ignoreDisabledProviders = false): PlanContext => ({ models: MODELS, providers: PROVIDERS, ignoreDisabledProviders });

// The classifier's order is neither the config's nor the price order, so positions must be looked up.
const CLASSIFIER_ORDER = ['big', 'small', 'mid'];
const classifier = new TrainedRouter(
  { dimensions: 16, wordNgrams: 1, charNgrams: undefined, dense: undefined },
  CLASSIFIER_ORDER.map(() => ({ weights: new Float32Array(16), bias: 0 })),
  CLASSIFIER_ORDER,
  undefined,
);
const predicted = (scores: { big: number; small: number; mid: number }): Float64Array => Float64Array.from([scores.big, scores.small, scores.mid]);
const order = (plan: StepPlan): string[] => plan.candidates.map((candidate) => candidate.model);
const NO_FALLBACKS = new Map<string, readonly string[]>();

describe('blendedPrice', () => {
  it('weighs input three to one against output', () => {
    expect(blendedPrice(model('m', 'on', 2, 6))).toBe(3);
    expect(blendedPrice(model('m', 'on', 0, 4))).toBe(1);
    expect(blendedPrice(model('m', 'on', 4, 0))).toBe(3);
  });
});

describe('cheapestAbove', () => {
  it('picks the first (cheapest) model that clears the bound', () => {
    expect(cheapestAbove([0.5, 0.8, 0.9], [0, 1, 2], 0.7)).toEqual({ index: 1, cleared: true });
    expect(cheapestAbove([0.95, 0.8, 0.9], [0, 1, 2], 0.7)).toEqual({ index: 0, cleared: true });
  });

  it('counts a prediction equal to the bound as clearing it', () => {
    expect(cheapestAbove([0.5, 0.75, 0.9], [0, 1, 2], 0.75)).toEqual({ index: 1, cleared: true });
  });

  it('reads predictions through positions', () => {
    // Cheapest to priciest are at 2, 0, 1: predictions 0.1, 0.9, 0.8.
    expect(cheapestAbove([0.9, 0.8, 0.1], [2, 0, 1], 0.7)).toEqual({ index: 1, cleared: true });
  });

  it('falls back to the best predicted when none clears, ties to the cheaper', () => {
    expect(cheapestAbove([0.1, 0.3, 0.2], [0, 1, 2], 0.7)).toEqual({ index: 1, cleared: false });
    expect(cheapestAbove([0.1, 0.3, 0.3], [0, 1, 2], 0.7)).toEqual({ index: 1, cleared: false });
    expect(cheapestAbove([0.4, 0.3, 0.4], [0, 1, 2], 0.7)).toEqual({ index: 0, cleared: false });
  });
});

describe('compilePredictedPolicy: cheapest_above', () => {
  const target: CheapestAboveTarget = { policy: 'cheapest_above', models: ['big', 'mid', 'small'], minQuality: 0.7 };
  const policy = compilePredictedPolicy(target, classifier, NO_FALLBACKS, context());

  it('chooses the cheapest model predicted to clear min_quality, then pricier models, then cheaper ones', () => {
    const choice = policy(predicted({ big: 0.9, small: 0.5, mid: 0.75 }));
    expect(order(choice.plan)).toEqual(['mid', 'big', 'small']);
    expect(choice.plan.policy).toBe('cheapest_above');
    expect(choice.plan.candidates.map((candidate) => candidate.source)).toEqual(['target', 'target', 'target']);
    expect(choice.prediction).toEqual({ policy: 'cheapest_above', predicted: { small: 0.5, mid: 0.75, big: 0.9 }, minQuality: 0.7, chosen: 'mid', cleared: true });
  });

  it('chooses the cheapest model when its prediction equals min_quality', () => {
    const choice = policy(predicted({ big: 0.9, small: 0.7, mid: 0.8 }));
    expect(order(choice.plan)).toEqual(['small', 'mid', 'big']);
    expect(choice.prediction).toMatchObject({ chosen: 'small', cleared: true });
  });

  it('orders the models below the priciest from the nearest down', () => {
    const choice = policy(predicted({ big: 0.7, small: 0.1, mid: 0.2 }));
    expect(order(choice.plan)).toEqual(['big', 'mid', 'small']);
  });

  it('falls back to the best predicted, the cheaper on a tie, and says nothing cleared', () => {
    const choice = policy(predicted({ big: 0.6, small: 0.4, mid: 0.6 }));
    expect(order(choice.plan)).toEqual(['mid', 'big', 'small']);
    expect(choice.prediction).toMatchObject({ chosen: 'mid', cleared: false });
  });

  it('compares predictions at 4 decimals, as a Decision shows them', () => {
    // small 0.69996 shows as 0.7 and clears 0.7; 0.69994 shows as 0.6999 and does not.
    expect(policy(predicted({ big: 0.9, small: 0.69996, mid: 0.1 })).prediction).toMatchObject({ chosen: 'small', cleared: true });
    expect(policy(predicted({ big: 0.9, small: 0.69994, mid: 0.1 })).prediction).toMatchObject({ chosen: 'big', cleared: true });
  });

  it('rounds the predictions to 4 decimals', () => {
    const choice = policy(predicted({ big: 0.81236, small: 0.123449, mid: 0.00004 }));
    expect(choice.prediction.predicted).toEqual({ small: 0.1234, mid: 0, big: 0.8124 });
  });
});

describe('compilePredictedPolicy: strong_weak', () => {
  const target: StrongWeakTarget = { policy: 'strong_weak', strong: 'big', weak: 'small', threshold: 0.25 };
  const policy = compilePredictedPolicy(target, classifier, NO_FALLBACKS, context());

  it('chooses the strong model when the predicted gain reaches the threshold', () => {
    const choice = policy(predicted({ big: 0.75, small: 0.5, mid: 0 }));
    expect(order(choice.plan)).toEqual(['big', 'small']);
    expect(choice.plan.policy).toBe('strong_weak');
    // Only the policy's two models are reported, not the classifier's third.
    expect(choice.prediction).toEqual({ policy: 'strong_weak', predicted: { small: 0.5, big: 0.75 }, threshold: 0.25, gain: 0.25, chosen: 'big' });
  });

  it('chooses the weak model below the threshold, with the strong one behind it', () => {
    const choice = policy(predicted({ big: 0.74, small: 0.5, mid: 1 }));
    expect(order(choice.plan)).toEqual(['small', 'big']);
    expect(choice.prediction).toMatchObject({ chosen: 'small' });
    const negative = policy(predicted({ big: 0.2, small: 0.9, mid: 1 }));
    expect(negative.prediction).toMatchObject({ chosen: 'small', gain: -0.7 });
  });

  it('reports the gain as the difference of the rounded predictions', () => {
    // 0.8124 − 0.5, not round(0.81236 − 0.50004) = 0.3123.
    const choice = policy(predicted({ big: 0.81236, small: 0.50004, mid: 0 }));
    expect(choice.prediction).toMatchObject({ predicted: { small: 0.5, big: 0.8124 }, gain: 0.3124, chosen: 'big' });
  });

  it('compares the gain at 4 decimals, as a Decision shows it', () => {
    // 0.74996 − 0.5 rounds to 0.25, which reaches the threshold; 0.74994 − 0.5 rounds to 0.2499.
    expect(policy(predicted({ big: 0.74996, small: 0.5, mid: 0 })).prediction).toMatchObject({ gain: 0.25, chosen: 'big' });
    expect(policy(predicted({ big: 0.74994, small: 0.5, mid: 0 })).prediction).toMatchObject({ gain: 0.2499, chosen: 'small' });
  });

  it('orders plans by price, not by which model is called strong', () => {
    // A "strong" model that is cheaper than the "weak" one: the plan still goes up in price first.
    const inverted = compilePredictedPolicy({ policy: 'strong_weak', strong: 'small', weak: 'big', threshold: 0 }, classifier, NO_FALLBACKS, context());
    expect(order(inverted(predicted({ big: 0.5, small: 0.6, mid: 0 })).plan)).toEqual(['small', 'big']);
    expect(order(inverted(predicted({ big: 0.6, small: 0.5, mid: 0 })).plan)).toEqual(['big', 'small']);
  });
});

describe('bestUtility', () => {
  it('picks the highest predicted score minus the weighted price, ties to the cheaper', () => {
    // Utilities at weight 0.5: 0.5 − 0.05, 0.8 − 0.15, 0.9 − 0.5.
    expect(bestUtility([0.5, 0.8, 0.9], [0, 1, 2], [0.1, 0.3, 1], 0.5)).toBe(1);
    expect(bestUtility([0.5, 0.8, 0.9], [0, 1, 2], [0.1, 0.3, 1], 0)).toBe(2);
    expect(bestUtility([0.5, 0.8, 0.9], [0, 1, 2], [0.1, 0.3, 1], 5)).toBe(0);
    expect(bestUtility([0.6, 0.6, 0.6], [0, 1, 2], [0, 0, 0], 0)).toBe(0);
  });

  it('reads predictions through positions', () => {
    expect(bestUtility([0.9, 0.8, 0.5], [2, 1, 0], [0.1, 0.3, 1], 0.5)).toBe(1);
  });
});

describe('relativePrices', () => {
  it('divides by the priciest, at 4 decimals, and is 0 when every model is free', () => {
    expect(relativePrices([1, 3, 10])).toEqual([0.1, 0.3, 1]);
    expect(relativePrices([1, 7])).toEqual([0.1429, 1]);
    expect(relativePrices([0, 0])).toEqual([0, 0]);
  });
});

describe('compilePredictedPolicy: utility', () => {
  const target: UtilityTarget = { policy: 'utility', models: ['big', 'mid', 'small'], costWeight: 0.5 };
  const policy = compilePredictedPolicy(target, classifier, NO_FALLBACKS, context());

  it('chooses the best predicted score net of the weighted relative price, then pricier models, then cheaper ones', () => {
    // Blended prices 1, 3, 10 → relative 0.1, 0.3, 1; utilities 0.45, 0.65, 0.4.
    const choice = policy(predicted({ big: 0.9, small: 0.5, mid: 0.8 }));
    expect(order(choice.plan)).toEqual(['mid', 'big', 'small']);
    expect(choice.plan.policy).toBe('utility');
    expect(choice.prediction).toEqual({ policy: 'utility', predicted: { small: 0.5, mid: 0.8, big: 0.9 }, costWeight: 0.5, prices: { small: 0.1, mid: 0.3, big: 1 }, chosen: 'mid' });
  });

  it('takes the priciest model when its gain outweighs its price', () => {
    expect(policy(predicted({ big: 0.99, small: 0.1, mid: 0.2 })).prediction).toMatchObject({ chosen: 'big' });
  });

  it('re-decides offline from the Decision exactly as the gateway decided, at any weight', () => {
    const random = seededRandom(7);
    const decide = redecision(target, () => 0);
    for (let k = 0; k < 200; k++) {
      const raw = { big: random(), small: random(), mid: random() };
      const weight = Math.round(random() * 20000) / 10000;
      const live = compilePredictedPolicy({ ...target, costWeight: weight }, classifier, NO_FALLBACKS, context())(predicted(raw)).prediction;
      // The Decision goes through JSON, as a stored trace does.
      expect(decide(JSON.parse(JSON.stringify(policy(predicted(raw)).prediction)), weight)).toBe(live.chosen);
    }
  });

  it('exposes cost_weight to eval and calibrate, with the weights where the choice changes', () => {
    expect(tunableParameter(target)).toEqual({ key: 'cost_weight', value: 0.5, lowest: 0 });
    expect(writtenWith(target, 0.25)).toEqual({ utility: { models: ['big', 'mid', 'small'], cost_weight: 0.25 } });
    const prediction = policy(predicted({ big: 0.9, small: 0.5, mid: 0.8 })).prediction;
    // mid over small: 0.3 / 0.2; big over small: 0.4 / 0.9; big over mid: 0.1 / 0.7.
    expect(comparedValues(prediction).map((value) => Number(value.toFixed(6)))).toEqual([1.5, 0.444444, 0.142857]);
    const decide = redecision(target, () => 0);
    expect(decide(prediction, 1.49)).toBe('mid');
    expect(decide(prediction, 1.51)).toBe('small');
    expect(decide(prediction, 0.14)).toBe('big');
    // A pricier model predicted no better never wins at any weight: no weight where it would stop.
    const dearer = policy(predicted({ big: 0.95, small: 0.9, mid: 0.8 })).prediction;
    expect(comparedValues(dearer).map((value) => Number(value.toFixed(6)))).toEqual([0.055556, 0.214286]);
  });

  it('breaks ties toward the cheaper model, live and re-decided', () => {
    const tied = policy(predicted({ big: 0.5, small: 0.8, mid: 0.8 }));
    const atZero = compilePredictedPolicy({ ...target, costWeight: 0 }, classifier, NO_FALLBACKS, context())(predicted({ big: 0.5, small: 0.8, mid: 0.8 }));
    expect(atZero.prediction.chosen).toBe('small');
    expect(redecision(target, () => 0)(tied.prediction, 0)).toBe('small');
  });

  it('is a threshold on the predicted gain for two models, as strong_weak: big when gain > weight × price gap', () => {
    // So it ranks prompts as strong_weak does, and its RouteLLM curve (APGR) is strong_weak's.
    const random = seededRandom(11);
    for (let k = 0; k < 300; k++) {
      const raw = { big: random(), small: random(), mid: 0 };
      const weight = Math.round(random() * 10000) / 10000;
      const two = compilePredictedPolicy({ policy: 'utility', models: ['small', 'big'], costWeight: weight }, classifier, NO_FALLBACKS, context());
      const gain = (compilePredictedPolicy({ policy: 'strong_weak', strong: 'big', weak: 'small', threshold: 0 }, classifier, NO_FALLBACKS, context())(predicted(raw)).prediction as { gain: number }).gain;
      // Relative prices 0.1 and 1: the gap is 0.9. (Exact ties are the floating-point edge, not the rule.)
      if (Math.abs(gain - weight * 0.9) < 1e-9) continue;
      expect(two(predicted(raw)).prediction.chosen).toBe(gain > weight * 0.9 ? 'big' : 'small');
    }
  });
});

describe('compilePredictedPolicy: fallbacks and disabled providers', () => {
  const target: CheapestAboveTarget = { policy: 'cheapest_above', models: ['small', 'mid', 'big'], minQuality: 0.7 };
  const fallbacks = new Map<string, readonly string[]>([
    ['mid', ['backup']],
    ['small', ['mid']],
  ]);

  it('inserts each model’s router fallbacks right after it, without repeats', () => {
    const policy = compilePredictedPolicy(target, classifier, fallbacks, context(true));
    const midFirst = policy(predicted({ big: 0.9, small: 0.1, mid: 0.8 })).plan;
    expect(order(midFirst)).toEqual(['mid', 'backup', 'big', 'small']);
    expect(midFirst.candidates.map((candidate) => candidate.source)).toEqual(['target', 'fallback', 'target', 'target']);
    expect(midFirst.specs.map((spec) => spec.name)).toEqual(['mid', 'backup', 'big', 'small']);
    // small's fallback is mid, which then comes as a fallback, followed by its own.
    const smallFirst = policy(predicted({ big: 0.9, small: 0.8, mid: 0.8 })).plan;
    expect(order(smallFirst)).toEqual(['small', 'mid', 'backup', 'big']);
    expect(smallFirst.candidates.map((candidate) => candidate.source)).toEqual(['target', 'fallback', 'fallback', 'target']);
  });

  it('filters models of disabled providers out, with the reason', () => {
    const policy = compilePredictedPolicy(target, classifier, fallbacks, context(false));
    const plan = policy(predicted({ big: 0.9, small: 0.1, mid: 0.8 })).plan;
    expect(order(plan)).toEqual(['mid', 'big', 'small']);
    expect(plan.filtered).toEqual([{ model: 'backup', reason: 'provider_disabled', detail: 'provider "off" is disabled: set OFF_KEY' }]);
  });

  it('keeps them when disabled providers are ignored (offline replays)', () => {
    const policy = compilePredictedPolicy(target, classifier, fallbacks, context(true));
    const plan = policy(predicted({ big: 0.9, small: 0.1, mid: 0.8 })).plan;
    expect(plan.filtered).toEqual([]);
    expect(plan.candidates.find((candidate) => candidate.model === 'backup')).toEqual({ model: 'backup', provider: 'off', source: 'fallback' });
  });

  it('returns the plans built at compile time, the same object for the same first model', () => {
    const policy = compilePredictedPolicy(target, classifier, fallbacks, context());
    const first = policy(predicted({ big: 0.9, small: 0.1, mid: 0.8 })).plan;
    const second = policy(predicted({ big: 0.2, small: 0.1, mid: 0.99 })).plan;
    expect(second).toBe(first);
  });
});
