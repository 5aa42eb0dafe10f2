import { describe, expect, it } from 'vitest';
import { parseScoredData, type ScoredExample } from './scored-data.js';
import { DEFAULT_FEATURES, DEFAULT_LOGISTIC, rocAuc, trainRouter, type TrainOptions } from './train-router.js';

/** "long" prompts need the good model; short ones both answer. Listed weak model first on purpose. */
function data(): ScoredExample[] {
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    const hard = i % 2 === 0;
    const prompt = hard ? `prove the theorem about integral ${i} step by step and derive the bound` : `capital of country ${i}?`;
    lines.push(JSON.stringify({ id: `e${i}`, prompt, scores: { weak: hard ? 0 : 1, good: 1 } }));
  }
  return parseScoredData(lines.join('\n'), 'data.jsonl');
}

const options = (overrides: Partial<TrainOptions> = {}): TrainOptions => ({
  rename: new Map(),
  models: ['weak', 'good'],
  seed: 5,
  holdout: 0.25,
  features: DEFAULT_FEATURES,
  logistic: DEFAULT_LOGISTIC,
  dataName: '/some/dir/data.jsonl',
  ...overrides,
});

describe('rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, and counts ties as half', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
    // Pairs (positive, negative): (0.8,0.1) win, (0.8,0.9) loss, (0.5,0.1) win, (0.5,0.9) loss -> 2/4.
    expect(rocAuc([0.1, 0.8, 0.5, 0.9], [0, 1, 1, 0])).toBe(0.5);
  });

  it('is undefined with one class', () => {
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeUndefined();
  });
});

describe('trainRouter', () => {
  it('orients the held-out two-model report to the model that scores better, whatever the listing order', () => {
    const { router } = trainRouter(data(), options());
    const twoModel = router.training?.holdout?.twoModel;
    expect(twoModel?.strong).toBe('good');
    expect(twoModel?.weak).toBe('weak');
    // A perfect ranking here recovers the gap linearly up to 50% strong calls: APGR 0.75.
    expect(twoModel?.apgr).toBeGreaterThan(0.7);
  });

  it('is deterministic for a seed, stores only the data file name, and keeps renamed models in order', () => {
    const a = trainRouter(data(), options({ rename: new Map([['good', 'gpt-big']]) }));
    const b = trainRouter(data(), options({ rename: new Map([['good', 'gpt-big']]) }));
    expect(JSON.stringify(a.router.toJSON())).toBe(JSON.stringify(b.router.toJSON()));
    expect(a.router.models).toEqual(['weak', 'gpt-big']);
    expect(a.router.training?.data).toBe('data.jsonl');
    expect(a.trainExamples + a.holdoutExamples).toBe(300);
    const other = trainRouter(data(), options({ seed: 6 }));
    expect(JSON.stringify(other.router.toJSON().models)).not.toBe(JSON.stringify(a.router.toJSON().models));
  });

  it('learns which prompts the weak model fails', () => {
    const { router } = trainRouter(data(), options({ holdout: 0 }));
    const hard = router.predict('prove the theorem about integral 1001 step by step and derive the bound');
    const easy = router.predict('capital of country 1001?');
    expect(router.training?.holdout).toBeUndefined();
    expect(hard[0]).toBeLessThan(0.3);
    expect(easy[0]).toBeGreaterThan(0.7);
  });

  it('leaves contaminated examples out of training and holdout', () => {
    const examples = data().map((example, index) => ({ ...example, contaminated: index < 100 }));
    const result = trainRouter(examples, options());
    expect(result.trainExamples + result.holdoutExamples).toBe(200);
  });
});
