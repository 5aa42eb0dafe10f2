import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleText } from '../../src/learning/example-text.js';
import { inHoldout, readScoredData, type ScoredExample } from '../../src/learning/scored-data.js';
import { DEFAULT_FEATURES, DEFAULT_LOGISTIC, trainRouter } from '../../src/learning/train-router.js';
import { hullAt, upperHull } from '../../src/evaluation/envelope.js';
import { bestUtility, cheapestAbove, relativePrices } from '../../src/routing/policies/predicted/compile-predicted-policy.js';

/**
 * The utility policy on RouterBench's 11 models (dollar costs per prompt): trained with `train`'s
 * defaults on 80% of the prompts, swept over cost_weight on the other 20%, against the envelope of
 * single models and two-model static mixes there. The data has no licence to ship, so this reads
 * ../shared and skips without it.
 */
const DIR = join(import.meta.dirname, '../../../shared/benchmarks/routerbench/dev');

type Point = { cost: number; quality: number };

describe.skipIf(!existsSync(DIR))('utility over RouterBench’s 11 models', () => {
  const all = ['arc_challenge', 'mbpp', 'winogrande'].flatMap((task) => readScoredData(join(DIR, `${task}.jsonl`)));
  const models = Object.keys(all[0]?.scores ?? {}).sort();
  const examples = all.filter((example) => models.every((model) => example.scores[model] !== undefined && example.costs?.[model] !== undefined));
  const train = examples.filter((example) => !inHoldout(example.id, 0.2, 1));
  const test = examples.filter((example) => inHoldout(example.id, 0.2, 1));
  const mean = (rows: readonly ScoredExample[], of: (example: ScoredExample) => number): number => rows.reduce((sum, example) => sum + of(example), 0) / rows.length;

  it('is above the best two-model static mix by 0.02 at mid costs, where cheapest_above is below it', () => {
    const { router } = trainRouter(train, { rename: new Map(), models, seed: 1, holdout: 0, features: DEFAULT_FEATURES, logistic: DEFAULT_LOGISTIC, dataName: 'routerbench' });
    const predictions = test.map((example) => {
      const { text, turns } = exampleText(example);
      return router.predict(text, turns);
    });
    // Prices as the policy sees them: one per model (here its mean cost on the training prompts), cheapest first.
    const price = models.map((model) => mean(train, (example) => example.costs?.[model] as number));
    const byPrice = models.map((_, index) => index).sort((a, b) => (price[a] as number) - (price[b] as number));
    const relative = relativePrices(byPrice.map((index) => price[index] as number));
    const outcome = (choose: (predicted: Float64Array) => number): Point => {
      let cost = 0;
      let quality = 0;
      test.forEach((example, row) => {
        const model = models[choose(predictions[row] as Float64Array)] as string;
        cost += example.costs?.[model] as number;
        quality += example.scores[model] as number;
      });
      return { cost: cost / test.length, quality: quality / test.length };
    };
    const weights = [0, ...Array.from({ length: 160 }, (_, k) => 0.001 * 1.07 ** k)];
    const utility = weights.map((weight) => outcome((predicted) => byPrice[bestUtility(predicted, byPrice, relative, weight)] as number));
    const cheapest = Array.from({ length: 101 }, (_, k) => outcome((predicted) => byPrice[cheapestAbove(predicted, byPrice, k / 100).index] as number));
    const singles = models.map((model) => ({ cost: mean(test, (example) => example.costs?.[model] as number), quality: mean(test, (example) => example.scores[model] as number) }));
    // The best quality a static mix of two models (or one) gets for a mean cost.
    const hull = upperHull(singles);
    const envelope = (cost: number): number => hullAt(hull, cost) ?? -Infinity;
    // A policy's quality at a cost: its best setting that costs no more (no mixing of settings).
    const at = (curve: readonly Point[], cost: number): number => Math.max(-Infinity, ...curve.filter((point) => point.cost <= cost).map((point) => point.quality));
    const low = Math.min(...singles.map((single) => single.cost));
    const high = Math.max(...singles.map((single) => single.cost));
    for (const fraction of [0.5, 0.7]) {
      const cost = low * (high / low) ** fraction;
      expect(at(utility, cost) - envelope(cost)).toBeGreaterThanOrEqual(0.02);
      expect(at(cheapest, cost)).toBeLessThan(envelope(cost));
    }
  }, 60_000);
});
