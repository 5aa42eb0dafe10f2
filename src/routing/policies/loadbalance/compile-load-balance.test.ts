import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../config/load-config.js';
import type { ResolvedConfig } from '../../../config/resolved-config.js';
import { seededRandom } from '../../../util/seeded-random.js';
import type { PlanContext } from '../../build-step-plan.js';
import type { DeploymentHealth } from '../../filter-candidates.js';
import { compileLoadBalance, type DeploymentLoadView, type LoadBalancePolicy, type LoadBalanceTarget } from './compile-load-balance.js';

/**
 * The `loadbalance` decision rule on its own: which deployment goes first for a given load, health
 * and random draw, and the plan and Decision record that come with it.
 */

const CONFIG = `
providers:
  p: { type: openai, base_url: "http://127.0.0.1:1/v1", api_key: k }
models:
  a:     { provider: p, model: gpt-x, price: { input: 1, output: 1 } }
  b:     { provider: p, model: gpt-x, price: { input: 1, output: 1 } }
  c:     { provider: p, model: gpt-x, price: { input: 1, output: 1 } }
  spare: { provider: p, model: spare-wire, price: { input: 1, output: 1 } }
routers:
  r: { default: cheap-placeholder }
`;

/** A router whose default is the given `loadbalance` target, resolved through the real config code. */
function compile(target: string, fallbacks = ''): LoadBalancePolicy {
  const yaml = CONFIG.replace('r: { default: cheap-placeholder }', `r:\n    default: ${target}\n${fallbacks ? `    fallbacks: ${fallbacks}\n` : ''}`);
  const config: ResolvedConfig = parseConfig(yaml, 'test.yaml', { env: {} });
  const router = config.routers.get('r');
  if (router?.defaultTarget.policy !== 'loadbalance') throw new Error('expected a loadbalance default');
  const context: PlanContext = { models: config.models, providers: config.providers, ignoreDisabledProviders: false };
  return compileLoadBalance(router.defaultTarget as LoadBalanceTarget, router.fallbacks, context);
}

/** Deployments whose circuit is open (cooling down for another minute). */
function health(...open: string[]): DeploymentHealth {
  return { openUntil: (model) => (open.includes(model) ? Date.now() + 60_000 : undefined) };
}

function load(inFlight: Record<string, number>, latency: Record<string, number> = {}): DeploymentLoadView {
  return { inFlight: (model) => inFlight[model] ?? 0, latencyMs: (model) => latency[model] };
}

/** Always the same draw. */
const fixed = (value: number) => () => value;

/** How often each deployment comes first over `draws` decisions. */
function tally(choose: LoadBalancePolicy, draws: number, input: Omit<Parameters<LoadBalancePolicy>[0], 'random'>, seed = 7): Record<string, number> {
  const random = seededRandom(seed);
  const counts: Record<string, number> = {};
  for (let draw = 0; draw < draws; draw++) {
    const { balance } = choose({ ...input, random });
    counts[balance.chosen] = (counts[balance.chosen] ?? 0) + 1;
  }
  return counts;
}

describe('weighted', () => {
  it('draws deployments in proportion to their weights (3:1 over 4000 draws)', () => {
    const choose = compile('{ loadbalance: [{ model: a, weight: 3 }, { model: b }] }');
    const counts = tally(choose, 4000, { load: undefined, health: undefined });
    expect(Object.keys(counts).sort()).toEqual(['a', 'b']);
    // Expected 3000 / 1000; a binomial's standard deviation here is ~27, so ±120 is over 4 sigma.
    expect(counts['a']).toBeGreaterThan(2880);
    expect(counts['a']).toBeLessThan(3120);
  });

  it('maps a draw onto the cumulative weights, in config order', () => {
    // Weights 1, 2, 1 out of 4: a takes [0, 0.25), b [0.25, 0.75), c [0.75, 1).
    const choose = compile('{ loadbalance: [a, { model: b, weight: 2 }, c] }');
    const chosen = (value: number) => choose({ load: undefined, health: undefined, random: fixed(value) }).balance.chosen;
    expect([0, 0.24, 0.25, 0.5, 0.74, 0.75, 0.999999].map(chosen)).toEqual(['a', 'a', 'b', 'b', 'b', 'c', 'c']);
  });

  it('accepts fractional weights', () => {
    const choose = compile('{ loadbalance: [{ model: a, weight: 0.1 }, { model: b, weight: 0.3 }] }');
    const counts = tally(choose, 4000, { load: undefined, health: undefined }, 11);
    expect((counts['b'] ?? 0) / 4000).toBeGreaterThan(0.72);
    expect((counts['b'] ?? 0) / 4000).toBeLessThan(0.78);
  });

  it('never puts a deployment with an open circuit first, and redistributes its share by weight', () => {
    const choose = compile('{ loadbalance: [{ model: a, weight: 5 }, { model: b, weight: 1 }, { model: c, weight: 3 }] }');
    const counts = tally(choose, 3000, { load: undefined, health: health('a') });
    expect(counts['a']).toBeUndefined();
    // Among b (1) and c (3): c ~75%.
    expect((counts['c'] ?? 0) / 3000).toBeGreaterThan(0.72);
    expect((counts['c'] ?? 0) / 3000).toBeLessThan(0.78);
  });

  it('still chooses when every circuit is open, by weight among all of them', () => {
    const choose = compile('{ loadbalance: [{ model: a, weight: 3 }, { model: b }] }');
    const counts = tally(choose, 2000, { load: undefined, health: health('a', 'b') });
    expect((counts['a'] ?? 0) + (counts['b'] ?? 0)).toBe(2000);
    expect((counts['a'] ?? 0) / 2000).toBeGreaterThan(0.7);
    expect((counts['a'] ?? 0) / 2000).toBeLessThan(0.8);
    const { plan } = choose({ load: undefined, health: health('a', 'b'), random: fixed(0.9) });
    expect(plan.candidates.map((candidate) => candidate.model)).toEqual(['b', 'a']);
  });

  it('records only the strategy and the choice', () => {
    const choose = compile('{ loadbalance: [a, b] }');
    expect(choose({ load: load({ a: 5 }), health: undefined, random: fixed(0.6) }).balance).toEqual({ strategy: 'weighted', chosen: 'b' });
  });
});

describe('least_latency', () => {
  const choose = compile('{ loadbalance: { strategy: least_latency, models: [a, b, c] } }');

  it('tries an unmeasured deployment first, so each gets measured', () => {
    const { balance } = choose({ load: load({}, { a: 5, c: 900 }), health: undefined, random: fixed(0) });
    expect(balance).toEqual({ strategy: 'least_latency', chosen: 'b', observed: { a: 5, c: 900 } });
  });

  it('takes unmeasured deployments in config order', () => {
    expect(choose({ load: load({}, {}), health: undefined, random: fixed(0.99) }).balance).toEqual({ strategy: 'least_latency', chosen: 'a', observed: {} });
    expect(choose({ load: load({}, { a: 1 }), health: undefined, random: fixed(0.99) }).balance.chosen).toBe('b');
  });

  it('then the lowest smoothed latency, whatever the draw and the calls in flight', () => {
    for (const draw of [0, 0.5, 0.99]) {
      const { balance } = choose({ load: load({ b: 50 }, { a: 120.04, b: 80.26, c: 95 }), health: undefined, random: fixed(draw) });
      expect(balance).toEqual({ strategy: 'least_latency', chosen: 'b', observed: { a: 120, b: 80.3, c: 95 } });
    }
  });

  it('skips the fastest when its circuit is open, and leaves it out of observed', () => {
    const { balance, plan } = choose({ load: load({}, { a: 120, b: 80, c: 95 }), health: health('b'), random: fixed(0) });
    expect(balance).toEqual({ strategy: 'least_latency', chosen: 'c', observed: { a: 120, c: 95 } });
    expect(plan.candidates.map((candidate) => candidate.model)).toEqual(['c', 'a', 'b']);
  });

  it('skips an unmeasured deployment whose circuit is open', () => {
    const { balance } = choose({ load: load({}, { b: 80, c: 95 }), health: health('a'), random: fixed(0) });
    expect(balance.chosen).toBe('b');
  });
});

describe('least_busy', () => {
  it('picks the deployment with the fewest calls in flight, whatever the weights', () => {
    const choose = compile('{ loadbalance: { strategy: least_busy, models: [{ model: a, weight: 100 }, b, c] } }');
    for (const draw of [0, 0.5, 0.99]) {
      const { balance } = choose({ load: load({ a: 2, b: 3, c: 1 }), health: undefined, random: fixed(draw) });
      expect(balance).toEqual({ strategy: 'least_busy', chosen: 'c', observed: { a: 2, b: 3, c: 1 } });
    }
  });

  it('breaks ties by weight, among the tied only', () => {
    // a is busier; b (1) and c (3) tie on one call each.
    const choose = compile('{ loadbalance: { strategy: least_busy, models: [{ model: a, weight: 50 }, b, { model: c, weight: 3 }] } }');
    const counts = tally(choose, 4000, { load: load({ a: 2, b: 1, c: 1 }), health: undefined });
    expect(counts['a']).toBeUndefined();
    expect((counts['c'] ?? 0) / 4000).toBeGreaterThan(0.72);
    expect((counts['c'] ?? 0) / 4000).toBeLessThan(0.78);
  });

  it('ignores deployments with an open circuit, even idle ones', () => {
    const choose = compile('{ loadbalance: { strategy: least_busy, models: [a, b, c] } }');
    const { balance } = choose({ load: load({ a: 0, b: 4, c: 2 }), health: health('a'), random: fixed(0) });
    expect(balance).toEqual({ strategy: 'least_busy', chosen: 'c', observed: { b: 4, c: 2 } });
  });
});

describe('plan', () => {
  const models = (choose: LoadBalancePolicy, draw: number) =>
    choose({ load: undefined, health: undefined, random: fixed(draw) }).plan.candidates.map((candidate) => [candidate.model, candidate.source]);

  it('puts the chosen deployment first and the others after it in config order', () => {
    const choose = compile('{ loadbalance: [a, b, c] }');
    expect(models(choose, 0.1)).toEqual([['a', 'target'], ['b', 'target'], ['c', 'target']]);
    expect(models(choose, 0.5)).toEqual([['b', 'target'], ['a', 'target'], ['c', 'target']]);
    expect(models(choose, 0.9)).toEqual([['c', 'target'], ['a', 'target'], ['b', 'target']]);
    expect(choose({ load: undefined, health: undefined, random: fixed(0.9) }).plan.policy).toBe('loadbalance');
  });

  it('keeps a deployment with an open circuit in the plan (filtering reports it), behind the chosen one', () => {
    const choose = compile('{ loadbalance: [a, b] }');
    const { plan, balance } = choose({ load: undefined, health: health('a'), random: fixed(0) });
    expect(balance.chosen).toBe('b');
    expect(plan.candidates.map((candidate) => candidate.model)).toEqual(['b', 'a']);
  });

  it('adds the router fallbacks of the last deployment after every deployment', () => {
    const choose = compile('{ loadbalance: [a, b, c] }', '{ c: [spare] }');
    expect(models(choose, 0.1)).toEqual([['a', 'target'], ['b', 'target'], ['c', 'target'], ['spare', 'fallback']]);
  });

  it('tries every deployment before the router fallbacks of the chosen one', () => {
    const choose = compile('{ loadbalance: [a, b, c] }', '{ a: [spare] }');
    expect(models(choose, 0.1)).toEqual([['a', 'target'], ['b', 'target'], ['c', 'target'], ['spare', 'fallback']]);
  });

  it('shares one plan object per first deployment (built at startup, not per request)', () => {
    const choose = compile('{ loadbalance: [a, b] }');
    const first = choose({ load: undefined, health: undefined, random: fixed(0.1) }).plan;
    expect(choose({ load: undefined, health: undefined, random: fixed(0.2) }).plan).toBe(first);
    expect(choose({ load: undefined, health: undefined, random: fixed(0.9) }).plan).not.toBe(first);
  });
});
