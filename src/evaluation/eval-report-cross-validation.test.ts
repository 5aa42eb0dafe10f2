import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES, DEFAULT_LOGISTIC } from '../learning/train-router.js';
import type { TrainedRouter, TrainingRecord } from '../learning/trained-router.js';
import { foldOf, foldTrainOptions, spread } from './eval-report-cross-validation.js';

describe('foldOf', () => {
  const ids = Array.from({ length: 2000 }, (_, index) => `prompt-${index}`);

  it('puts every id in one fold of K, about evenly, the same way every time', () => {
    const counts = new Array<number>(5).fill(0);
    for (const id of ids) {
      const fold = foldOf(id, 5, 1);
      expect(fold).toBe(foldOf(id, 5, 1));
      counts[fold] = (counts[fold] as number) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(330);
  });

  it('draws other folds for another seed', () => {
    const moved = ids.filter((id) => foldOf(id, 5, 1) !== foldOf(id, 5, 2)).length;
    expect(moved).toBeGreaterThan(ids.length / 2);
  });
});

describe('spread', () => {
  it('gives the mean, the sample deviation and the range of the known values', () => {
    const result = spread([1, undefined, 2, 3, 6]);
    expect(result?.mean).toBe(3);
    // Squares about the mean: 4 + 1 + 0 + 9 = 14, over n − 1 = 3.
    expect(result?.sd).toBeCloseTo(Math.sqrt(14 / 3), 12);
    expect([result?.min, result?.max, result?.folds]).toEqual([1, 6, 4]);
    expect(spread([0.5])).toEqual({ mean: 0.5, sd: 0, min: 0.5, max: 0.5, folds: 1 });
    expect(spread([undefined])).toBeUndefined();
  });
});

describe('foldTrainOptions', () => {
  const columns = [
    { model: 'small', data: 'vendor/small-v1', price: 1 },
    { model: 'big', data: 'big', price: 10 },
  ];

  /** A router file as far as fold training reads it: its dense-feature weight and training record. */
  function file(scale: number | undefined, training: TrainingRecord | undefined): TrainedRouter {
    return { features: { dense: scale === undefined ? undefined : { scale } }, training } as unknown as TrainedRouter;
  }

  it('trains the data models under the router’s names on all of each fold, with the record’s seed and options', () => {
    const record: TrainingRecord = { data: 'd.jsonl', examples: 10, seed: 7, holdoutFraction: 0.2, options: { epochs: 9, learningRate: 0.2, l2: 0.01 }, holdout: undefined };
    const options = foldTrainOptions(file(0.5, record), columns, '/data/d.jsonl');
    expect(options.models).toEqual(['vendor/small-v1', 'big']);
    expect([...options.rename]).toEqual([
      ['vendor/small-v1', 'small'],
      ['big', 'big'],
    ]);
    expect(options.seed).toBe(7);
    expect(options.holdout).toBe(0);
    expect(options.logistic).toEqual({ epochs: 9, learningRate: 0.2, l2: 0.01 });
    expect(options.features).toEqual({ ...DEFAULT_FEATURES, denseScale: 0.5 });
    expect(options.dataName).toBe('/data/d.jsonl');
  });

  it('falls back to train’s defaults for what the file does not say', () => {
    const options = foldTrainOptions(file(undefined, undefined), columns, 'd.jsonl');
    expect(options.seed).toBe(1);
    expect(options.logistic).toEqual(DEFAULT_LOGISTIC);
    expect(options.features.denseScale).toBe(0);
  });
});
