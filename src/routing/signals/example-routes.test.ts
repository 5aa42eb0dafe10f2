import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decide } from '../../evaluation/fit-thresholds.js';
import { ExampleRoutes } from './example-routes.js';

const signal = new AbortController().signal;

describe('ExampleRoutes with the local encoder', () => {
  it('gives a tie to the route declared first, as fit-routes assumes', async () => {
    const routes = new ExampleRoutes(
      [
        { route: 'first', examples: ['translate this sentence into French'], threshold: 0.1 },
        { route: 'second', examples: ['translate this sentence into French'], threshold: 0.1 },
      ],
      { type: 'local' },
      undefined,
    );
    const result = await routes.score('translate this sentence into French please', undefined, signal);
    expect(result.similarity.scores['first']).toBe(result.similarity.scores['second']);
    expect(result.best?.route).toBe('first');
  });

  it('decides exactly as fit-routes does on the example set, thresholds included', async () => {
    type Config = { routers: { auto: { routes: Record<string, { when: { examples: string[] } }> } } };
    const config = parse(readFileSync(new URL('../../../examples/embedding-routes/switchyard.yaml', import.meta.url), 'utf8')) as Config;
    const names = Object.keys(config.routers.auto.routes);
    const thresholds = new Map(names.map((name, index) => [name, 0.1 + index * 0.05]));
    const routes = new ExampleRoutes(
      names.map((name) => ({ route: name, examples: config.routers.auto.routes[name]?.when.examples ?? [], threshold: thresholds.get(name) })),
      { type: 'local' },
      undefined,
    );
    const prompts = readFileSync(new URL('../../../examples/embedding-routes/labeled.jsonl', import.meta.url), 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { prompt: string }).prompt);
    let matched = 0;
    for (const prompt of prompts) {
      const result = await routes.score(prompt, undefined, signal);
      const expected = decide(result.similarity.scores, names, thresholds);
      expect(result.best?.route ?? '(none)').toBe(expected);
      if (result.best) matched++;
    }
    // Both outcomes occur, so the comparison covers the threshold as well as the ranking.
    expect(matched).toBeGreaterThan(20);
    expect(matched).toBeLessThan(prompts.length);
  });
});
