import { describe, expect, it } from 'vitest';
import { LabeledSums } from './labeled-sums.js';

describe('LabeledSums', () => {
  it('sums per combination of label values, in the order they first came', () => {
    const sums = new LabeledSums(['router', 'model', 'status'] as const);
    sums.add(['auto', 'small', 'ok'], 1);
    sums.add(['auto', 'strong', 'ok'], 1);
    sums.add(['auto', 'small', 'ok'], 2.5);
    sums.add(['auto', 'small', 'error'], 1);
    sums.add(['other', 'small', 'ok'], 0);
    expect(sums.series()).toEqual([
      { labels: { router: 'auto', model: 'small', status: 'ok' }, value: 3.5 },
      { labels: { router: 'auto', model: 'strong', status: 'ok' }, value: 1 },
      { labels: { router: 'auto', model: 'small', status: 'error' }, value: 1 },
      { labels: { router: 'other', model: 'small', status: 'ok' }, value: 0 },
    ]);
  });

  it('keeps values that only differ in where one label ends and the next begins apart', () => {
    const sums = new LabeledSums(['a', 'b'] as const);
    sums.add(['x', 'yz'], 1);
    sums.add(['xy', 'z'], 2);
    expect(sums.series().map((series) => series.value)).toEqual([1, 2]);
  });

  it('works with a single label', () => {
    const sums = new LabeledSums(['router'] as const);
    sums.add(['auto'], 1);
    sums.add(['auto'], 1);
    expect(sums.series()).toEqual([{ labels: { router: 'auto' }, value: 2 }]);
  });
});
