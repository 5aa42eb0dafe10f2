import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/resolved-config.js';
import { ConfigError } from '../../src/errors/config-error.js';

/**
 * The config side of the routing policies (`loadbalance`, `cascade`, `parallel`), the LLM
 * classifier and example routes: what a mistake is reported as, and what a valid policy resolves to.
 */

const BASE = `providers:
  p: { type: openai, base_url: "http://127.0.0.1:1/v1", api_key: "sk-test" }
models:
  cheap:  { provider: p, model: cheap-wire,  price: { input: 0.1, output: 0.4 } }
  mid:    { provider: p, model: mid-wire,    price: { input: 1, output: 2 } }
  strong: { provider: p, model: strong-wire, price: { input: 3, output: 15 } }
routers:
  r:
`;

/** `body` is the router's YAML, indented by 4 spaces. */
function parse(body: string): ResolvedConfig {
  return parseConfig(`${BASE}${body}\n`, 'test.yaml', { env: {} });
}

function errorOf(body: string): ConfigError {
  try {
    parse(body);
  } catch (error) {
    if (ConfigError.isInstance(error) && error.kind === 'config') return error as ConfigError;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

/** The single issue of a rejected config, after checking the file's name and position are in the message. */
function issueOf(body: string): { path: string; message: string; line?: number; column?: number } {
  const error = errorOf(body);
  expect(error.issues).toHaveLength(1);
  const issue = error.issues[0]!;
  expect(issue.line).toBeGreaterThan(8);
  expect(error.message).toContain(`test.yaml:${issue.line}:${issue.column}: ${issue.path}: ${issue.message}`);
  return issue;
}

const UNKNOWN_NOPE = 'unknown model "nope"; known models: cheap, mid, strong';

describe('sticky config', () => {
  it('refuses to wrap a policy that runs in steps, naming it', () => {
    expect(issueOf('    default: { sticky: { target: { cascade: { models: [cheap, strong], check: { min_length: 3 } } } } }')).toMatchObject({
      path: 'routers.r.default.sticky.target',
      message: 'expected a policy that tries one list of models, found cascade, which runs in steps',
    });
  });

  it('reports a misspelt key inside the wrapped target at its path', () => {
    expect(issueOf('    default: { sticky: { target: { fallback: [cheap], extra: 1 } } }').path).toBe('routers.r.default.sticky.target.extra');
  });

  it('resolves the wrapped target and the defaults', () => {
    expect(parse('    default: { sticky: { target: { fallback: [cheap, strong] } } }').routers.get('r')?.defaultTarget).toEqual({
      policy: 'sticky',
      target: { policy: 'fallback', models: ['cheap', 'strong'] },
      models: ['cheap', 'strong'],
      ttlMs: 300_000,
      maxConversations: 10_000,
      key: { type: 'prefix' },
    });
  });
});

describe('policy config errors', () => {
  it.each([
    ['loadbalance (list)', '    default: { loadbalance: [{ model: cheap, weight: 2 }, nope] }', 'routers.r.default.loadbalance.1'],
    ['loadbalance (strategy form)', '    default: { loadbalance: { strategy: least_busy, models: [cheap, nope] } }', 'routers.r.default.loadbalance.models.1'],
    ['cascade', '    default: { cascade: { models: [cheap, nope], check: { min_length: 3 } } }', 'routers.r.default.cascade.models.1'],
    ['parallel', '    default: { parallel: { models: [nope, strong] } }', 'routers.r.default.parallel.models.0'],
    ['a cascade judge', '    default: { cascade: { models: [cheap, strong], check: { judge: { model: nope } } } }', 'routers.r.default.cascade.check.judge.model'],
    ['a parallel judge', '    default: { parallel: { models: [cheap, strong], pick: { judge: { model: nope } } } }', 'routers.r.default.parallel.pick.judge.model'],
    ['a parallel check judge', '    default: { parallel: { models: [cheap, strong], pick: { check: { judge: { model: nope } } } } }', 'routers.r.default.parallel.pick.check.judge.model'],
    ['a route target', '    routes:\n      x: { when: { keywords: [a] }, target: { loadbalance: [cheap, nope] } }\n    default: cheap', 'routers.r.routes.x.target.loadbalance.1'],
    ['a sticky target', '    default: { sticky: { target: { fallback: [cheap, nope] } } }', 'routers.r.default.sticky.target.fallback.1'],
  ])('names an unknown model in %s with its key path and the known models', (_, body, path) => {
    expect(issueOf(body)).toMatchObject({ path, message: UNKNOWN_NOPE });
  });

  it('suggests the likely model for a typo in a policy', () => {
    expect(issueOf('    default: { cascade: { models: [cheep, strong], check: { refusal: true } } }').message).toBe(
      'unknown model "cheep" (did you mean "cheap"?); known models: cheap, mid, strong',
    );
  });

  it.each([
    ['cascade', '    default: { cascade: { models: [cheap, mid, cheap], check: { min_length: 3 } } }', 'routers.r.default.cascade.models.2', 'cheap'],
    ['parallel', '    default: { parallel: { models: [mid, strong, strong] } }', 'routers.r.default.parallel.models.2', 'strong'],
    ['loadbalance', '    default: { loadbalance: [cheap, { model: cheap, weight: 2 }] }', 'routers.r.default.loadbalance.1', 'cheap'],
  ])('rejects a model listed twice in %s, at its second place', (_, body, path, model) => {
    expect(issueOf(body)).toMatchObject({ path, message: `"${model}" is listed twice; list each model once` });
  });

  it('rejects a cascade of one model', () => {
    expect(issueOf('    default: { cascade: { models: [cheap], check: { refusal: true } } }')).toMatchObject({
      path: 'routers.r.default.cascade.models',
      message: 'expected at least two models, cheapest first, found a list of 1 item',
    });
  });

  it('rejects a loadbalance of one deployment and a weight of zero', () => {
    expect(issueOf('    default: { loadbalance: [cheap] }')).toMatchObject({
      path: 'routers.r.default.loadbalance',
      message: 'expected at least two deployments, found a list of 1 item',
    });
    const weight = issueOf('    default: { loadbalance: [{ model: cheap, weight: 0 }, mid] }');
    expect(weight.path).toBe('routers.r.default.loadbalance.0.weight');
    expect(weight.message).toMatch(/>0, found number 0$/);
  });

  it('rejects a check with no test in it, listing the tests', () => {
    expect(issueOf('    default: { cascade: { models: [cheap, strong], check: {} } }')).toMatchObject({
      path: 'routers.r.default.cascade.check',
      message: 'expected at least one of json_schema, regex, refusal, min_length, judge, logprobs, found an empty map',
    });
    expect(issueOf('    default: { parallel: { models: [cheap, strong], pick: { check: {} } } }').path).toBe('routers.r.default.parallel.pick.check');
  });

  it('rejects an invalid regex in a check', () => {
    const issue = issueOf('    default: { cascade: { models: [cheap, strong], check: { regex: "(unclosed" } } }');
    expect(issue.path).toBe('routers.r.default.cascade.check.regex');
    expect(issue.message).toMatch(/^invalid regular expression: .*unclosed/i);
    const flags = issueOf('    default: { cascade: { models: [cheap, strong], check: { regex: "/ok/q" } } }');
    expect(flags.path).toBe('routers.r.default.cascade.check.regex');
    expect(flags.message).toMatch(/^invalid regular expression: /);
  });

  // A value that has the shape of one policy is reported inside it, with that key's own message.
  it.each([
    ['a word', '    default: { parallel: { models: [cheap, strong], pick: fastest } }'],
    ['a map', '    default: { parallel: { models: [cheap, strong], pick: { best: true } } }'],
  ])('rejects pick with an unknown form (%s), naming pick and its forms', (_, body) => {
    const issue = issueOf(body);
    expect(issue.path).toBe('routers.r.default.parallel.pick');
    expect(issue.message).toMatch(/^expected `first`, \{ judge: \{ model, rubric\? \} \} or \{ check: \{ \.\.\. \} \}/);
  });

  it('rejects an unknown loadbalance strategy, naming the strategies', () => {
    const issue = issueOf('    default: { loadbalance: { strategy: fastest, models: [cheap, mid] } }');
    expect(issue.path).toBe('routers.r.default.loadbalance.strategy');
    expect(issue.message).toContain('least_latency');
  });

  it.each([
    ['json_schema: false', '    default: { cascade: { models: [cheap, strong], check: { json_schema: false } } }', 'routers.r.default.cascade.check.json_schema'],
    ['a number as a deployment', '    default: { loadbalance: [cheap, 42] }', 'routers.r.default.loadbalance.1'],
  ])('names the key inside the policy for %s', (_, body, path) => {
    expect(issueOf(body).path).toBe(path);
  });

  it('rejects an llm classifier or an encoder that names an unknown model', () => {
    expect(issueOf('    classifier: { type: llm, model: nope }\n    default: cheap')).toMatchObject({ path: 'routers.r.classifier.model', message: UNKNOWN_NOPE });
    expect(issueOf('    encoder: { model: nope }\n    routes:\n      x: { when: { examples: [hello there] }, target: strong }\n    default: cheap')).toMatchObject({
      path: 'routers.r.encoder.model',
      message: UNKNOWN_NOPE,
    });
  });

  it('rejects `threshold` without `examples`', () => {
    const issue = issueOf('    routes:\n      x: { when: { keywords: [a], threshold: 0.3 }, target: strong }\n    default: cheap');
    expect(issue.path).toBe('routers.r.routes.x.when');
    expect(issue.message).toMatch(/^`threshold` applies to `examples`: add examples beside it/);
  });

  it('rejects `examples` inside any, all or not', () => {
    const issue = issueOf('    routes:\n      x: { when: { any: [{ examples: [hello there] }] }, target: strong }\n    default: cheap');
    expect(issue).toMatchObject({ path: 'routers.r.routes.x.when.any.0.examples', message: "expected `examples` at the top of a route's `when`, not inside any, all or not" });
  });

  it('rejects cheapest_above on a router whose classifier is an llm: it needs a trained classifier', () => {
    const issue = issueOf('    classifier: { type: llm, model: cheap }\n    default: { cheapest_above: { models: [cheap, strong], min_quality: 0.5 } }');
    expect(issue.path).toBe('routers.r.default.cheapest_above.models.0');
    expect(issue.message).toContain('an `llm` classifier names routes, it does not predict scores');
    expect(issue.message).toContain('classifier: { type: trained, path: FILE }');
    expect(issue.message).toContain('router "r"');
  });

  it('reports every policy mistake of a router at once', () => {
    const error = errorOf(`    routes:
      a: { when: { keywords: [a] }, target: { cascade: { models: [cheap, nope], check: { regex: "(" } } } }
      b: { when: { keywords: [b] }, target: { parallel: { models: [mid, mid] } } }
    default: { loadbalance: [strong, nada] }`);
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'routers.r.routes.a.target.cascade.models.1',
      'routers.r.routes.a.target.cascade.check.regex',
      'routers.r.routes.b.target.parallel.models.1',
      'routers.r.default.loadbalance.1',
    ]);
  });
});

describe('valid policies', () => {
  const targetOf = (body: string) => parse(body).routers.get('r')?.defaultTarget;

  it('resolves a loadbalance list to weighted draws, weight 1 by default', () => {
    expect(targetOf('    default: { loadbalance: [{ model: cheap, weight: 3 }, mid, { model: strong }] }')).toEqual({
      policy: 'loadbalance',
      strategy: 'weighted',
      models: [
        { model: 'cheap', weight: 3 },
        { model: 'mid', weight: 1 },
        { model: 'strong', weight: 1 },
      ],
    });
  });

  it('resolves the strategy form, weighted by default', () => {
    expect(targetOf('    default: { loadbalance: { strategy: least_latency, models: [cheap, { model: mid, weight: 0.5 }] } }')).toEqual({
      policy: 'loadbalance',
      strategy: 'least_latency',
      models: [
        { model: 'cheap', weight: 1 },
        { model: 'mid', weight: 0.5 },
      ],
    });
    expect(targetOf('    default: { loadbalance: { models: [cheap, mid] } }')).toMatchObject({ policy: 'loadbalance', strategy: 'weighted' });
    expect(targetOf('    default: { loadbalance: { strategy: least_busy, models: [cheap, mid] } }')).toMatchObject({ strategy: 'least_busy' });
  });

  it('resolves a cascade with every check, and the judge defaults', () => {
    expect(
      targetOf(
        '    default: { cascade: { models: [cheap, mid, strong], check: { json_schema: true, regex: "/^ok/i", refusal: true, min_length: 5, judge: { model: strong, rubric: "Is it right?" }, logprobs: { min: 0.8 } } } }',
      ),
    ).toEqual({
      policy: 'cascade',
      models: ['cheap', 'mid', 'strong'],
      check: {
        jsonSchema: true,
        regex: '/^ok/i',
        refusal: true,
        minLength: 5,
        judge: { model: 'strong', rubric: 'Is it right?', threshold: 0.7, timeoutMs: 15_000 },
        logprobs: { min: 0.8 },
      },
    });
  });

  it('resolves a cascade with one check, the others off', () => {
    expect(targetOf('    default: { cascade: { models: [cheap, strong], check: { min_length: 20 } } }')).toEqual({
      policy: 'cascade',
      models: ['cheap', 'strong'],
      check: { jsonSchema: false, regex: undefined, refusal: false, minLength: 20, judge: undefined, logprobs: undefined },
    });
  });

  it('resolves parallel with each form of pick', () => {
    expect(targetOf('    default: { parallel: { models: [cheap, mid] } }')).toEqual({ policy: 'parallel', models: ['cheap', 'mid'], pick: { type: 'first' }, timeoutMs: 60_000 });
    expect(targetOf('    default: { parallel: { models: [cheap, mid], pick: first, timeout_ms: 5000 } }')).toEqual({
      policy: 'parallel',
      models: ['cheap', 'mid'],
      pick: { type: 'first' },
      timeoutMs: 5000,
    });
    expect(targetOf('    default: { parallel: { models: [cheap, mid], pick: { judge: { model: strong, timeout_ms: 3000 } } } }')).toEqual({
      policy: 'parallel',
      models: ['cheap', 'mid'],
      pick: { type: 'judge', judge: { model: 'strong', rubric: undefined, threshold: 0, timeoutMs: 3000 } },
      timeoutMs: 60_000,
    });
    expect(targetOf('    default: { parallel: { models: [cheap, mid, strong], pick: { check: { regex: "\\\\d+" } } } }')).toEqual({
      policy: 'parallel',
      models: ['cheap', 'mid', 'strong'],
      pick: { type: 'check', check: { jsonSchema: false, regex: '\\d+', refusal: false, minLength: undefined, judge: undefined, logprobs: undefined } },
      timeoutMs: 60_000,
    });
  });

  it('resolves a policy as a route target too', () => {
    const router = parse('    routes:\n      x: { when: { keywords: [a] }, target: { loadbalance: [cheap, mid] } }\n    default: cheap').routers.get('r');
    expect(router?.routes[0]?.action).toEqual({
      type: 'target',
      target: { policy: 'loadbalance', strategy: 'weighted', models: [{ model: 'cheap', weight: 1 }, { model: 'mid', weight: 1 }] },
    });
    expect(router?.defaultTarget).toEqual({ policy: 'single', model: 'cheap' });
  });

  it('resolves an llm classifier with its defaults, and a model encoder only when a route has examples', () => {
    const router = parse(`    classifier: { type: llm, model: cheap }
    encoder: { model: mid }
    routes:
      x: { description: "greetings", when: { examples: [hello there], threshold: 0.4 }, target: strong }
    default: cheap`).routers.get('r');
    expect(router?.classifier).toEqual({ type: 'llm', model: 'cheap', prompt: undefined, timeoutMs: 2000, cache: { size: 10_000, ttlMs: 600_000 }, maxChars: 4000 });
    expect(router?.encoder).toEqual({ type: 'model', model: 'mid', timeoutMs: 1000, cache: { size: 10_000, ttlMs: 600_000 } });
    const withoutExamples = parse('    encoder: { model: mid }\n    default: cheap').routers.get('r');
    expect(withoutExamples?.encoder).toBeUndefined();
  });
});
