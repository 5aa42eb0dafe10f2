import { describe, expect, it } from 'vitest';
import { decide, fitThresholds, fitWithCrossValidation, NO_ROUTE, report, type ScoredPrompt } from './fit-thresholds.js';

const routes = ['a', 'b'];
const prompt = (id: string, label: string, a: number, b: number): ScoredPrompt => ({ id, label, scores: { a, b } });

describe('decide', () => {
  it('takes the best route that reaches its threshold, ties to the route declared first', () => {
    const thresholds = new Map([
      ['a', 0.5],
      ['b', 0.3],
    ]);
    expect(decide({ a: 0.4, b: 0.35 }, routes, thresholds)).toBe('b'); // a is below its threshold
    expect(decide({ a: 0.6, b: 0.7 }, routes, thresholds)).toBe('b');
    expect(decide({ a: 0.6, b: 0.6 }, routes, thresholds)).toBe('a');
    expect(decide({ a: 0.1, b: 0.1 }, routes, thresholds)).toBe(NO_ROUTE);
  });
});

describe('report', () => {
  it('counts the confusion matrix and per-route precision and recall by hand', () => {
    const thresholds = new Map([
      ['a', 0.5],
      ['b', 0.5],
    ]);
    const prompts = [
      prompt('1', 'a', 0.9, 0.1), // a → a
      prompt('2', 'a', 0.2, 0.8), // a → b
      prompt('3', 'b', 0.1, 0.7), // b → b
      prompt('4', 'default', 0.6, 0.1), // none → a
      prompt('5', 'default', 0.1, 0.1), // none → none
    ];
    const result = report(prompts, routes, thresholds);
    expect(result.labels).toEqual(['a', 'b', NO_ROUTE]);
    expect(result.matrix).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 1],
    ]);
    expect(result.accuracy).toBeCloseTo(3 / 5, 10);
    expect(result.routes[0]).toMatchObject({ route: 'a', precision: 0.5, recall: 0.5, support: 2 });
    expect(result.routes[1]).toMatchObject({ route: 'b', precision: 0.5, recall: 1, support: 1 });
  });
});

describe('fitThresholds', () => {
  it('raises a threshold that lets unrelated prompts in, to between the last right one and the first wrong one', () => {
    // Route a's true prompts score >= 0.6; defaults score <= 0.4 on a.
    const prompts = [
      ...[0.9, 0.8, 0.7, 0.6].map((a, index) => prompt(`a${index}`, 'a', a, 0)),
      ...[0.4, 0.35, 0.3, 0.25].map((a, index) => prompt(`d${index}`, 'default', a, 0)),
    ];
    const fitted = fitThresholds(prompts, routes, new Map([['a', 0.2], ['b', 0.5]]));
    expect(fitted.get('a')).toBe(0.5);
    expect(report(prompts, routes, fitted).accuracy).toBe(1);
    expect(fitted.get('b')).toBe(0.5); // no prompt decides b: left where it was
  });

  it('lowers a threshold that keeps a route from its own prompts', () => {
    const prompts = [0.5, 0.45, 0.4, 0.35].map((b, index) => prompt(`b${index}`, 'b', 0, b));
    const fitted = fitThresholds(prompts, routes, new Map([['a', 0.5], ['b', 0.9]]));
    expect(fitted.get('b')).toBeLessThanOrEqual(0.35);
    expect(report(prompts, routes, fitted).accuracy).toBe(1);
  });

  it('does not move for a gain of one prompt', () => {
    const prompts = [prompt('1', 'default', 0.3, 0), prompt('2', 'a', 0.9, 0)];
    const initial = new Map([['a', 0.2], ['b', 0.5]]);
    expect(fitThresholds(prompts, routes, initial).get('a')).toBe(0.2);
  });
});

describe('fitWithCrossValidation', () => {
  it('keeps a fit that separates the classes in every fold', () => {
    const prompts = Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? prompt(String(index), 'a', 0.6 + (index % 7) / 20, 0) : prompt(String(index), 'default', 0.1 + (index % 5) / 20, 0)));
    const result = fitWithCrossValidation(prompts, routes, new Map([['a', 0.05], ['b', 0.5]]));
    expect(result.kept).toBe(true);
    expect(result.cvAfter).toBe(1);
    expect(result.thresholds.get('a')).toBeGreaterThan(0.3);
    expect(result.thresholds.get('a')).toBeLessThanOrEqual(0.6);
  });
});
