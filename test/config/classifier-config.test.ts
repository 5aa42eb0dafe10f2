import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig } from '../../src/config/load-config.js';
import { ConfigError, type ConfigIssue } from '../../src/errors/config-error.js';
import { TrainedRouter } from '../../src/learning/trained-router.js';

/**
 * The config side of learned routing: `classifier: { type: trained, path }`, the
 * `cheapest_above` and `strong_weak` policies that need it, and the `complexity` condition.
 */

let dir: string;

/** A valid trained-router file predicting `models` (all weights zero: only the names matter here). */
function writeRouterFile(path: string, models: string[]): void {
  const router = new TrainedRouter(
    { dimensions: 16, wordNgrams: 1, charNgrams: undefined, dense: undefined },
    models.map(() => ({ weights: new Float32Array(16), bias: 0 })),
    models,
    undefined,
  );
  writeFileSync(path, JSON.stringify(router.toJSON()));
}

const MODELS = `providers:
  p: { type: openai, base_url: "https://api.example.invalid/v1", api_key: "sk-test" }
models:
  small: { provider: p, model: small-wire, price: { input: 0.1, output: 0.4 }, context_window: 128000 }
  large: { provider: p, model: large-wire, price: { input: 3, output: 15 }, context_window: 128000 }
`;

function parse(yaml: string): ReturnType<typeof parseConfig> {
  return parseConfig(yaml, join(dir, 'switchyard.yaml'), { env: {}, baseDir: dir });
}

function issuesOf(yaml: string): readonly ConfigIssue[] {
  try {
    parse(yaml);
  } catch (error) {
    if (ConfigError.isInstance(error) && error.kind === 'config') return (error as ConfigError).issues;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-classifier-'));
  writeRouterFile(join(dir, 'both.json'), ['small', 'large']);
  writeRouterFile(join(dir, 'other.json'), ['small', 'other-model']);
  writeFileSync(join(dir, 'garbage.json'), '{"format": "something-else"}');
});

describe('classifier config', () => {
  it('loads a classifier file once for every router that names it, and reports a bad one for each', () => {
    const config = parse(`${MODELS}routers:
  first:
    classifier: { type: trained, path: ./both.json }
    default: { cheapest_above: { models: [small, large], min_quality: 0.7 } }
  second:
    classifier: { type: trained, path: both.json }
    default: { strong_weak: { strong: large, weak: small, threshold: 0.1 } }
`);
    const first = config.routers.get('first')?.classifier?.model;
    expect(first).toBeInstanceOf(TrainedRouter);
    expect(config.routers.get('second')?.classifier?.model).toBe(first);
    const issues = issuesOf(`${MODELS}routers:
  first:
    classifier: { type: trained, path: ./garbage.json }
    default: small
  second:
    classifier: { type: trained, path: garbage.json }
    default: small
`);
    expect(issues.map((issue) => issue.path)).toEqual(['routers.first.classifier.path', 'routers.second.classifier.path']);
  });

  it('rejects cheapest_above without a classifier, naming the router and `classifier` once', () => {
    const issues = issuesOf(`${MODELS}routers:
  picky:
    default: { cheapest_above: { models: [small, large], min_quality: 0.7 } }
`);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('routers.picky.default.cheapest_above.models.0');
    expect(issues[0]?.message).toContain('router "picky"');
    expect(issues[0]?.message).toContain('classifier: { type: trained, path: FILE }');
    expect(issues[0]?.line).toBe(8);
  });

  it('rejects strong_weak without a classifier too', () => {
    const issues = issuesOf(`${MODELS}routers:
  duo:
    routes:
      hard: { when: { keywords: [prove] }, target: { strong_weak: { strong: large, weak: small, threshold: 0.1 } } }
    default: small
`);
    expect(issues.map((issue) => issue.path)).toEqual(['routers.duo.routes.hard.target.strong_weak.strong']);
    expect(issues[0]?.message).toContain('router "duo"');
  });

  it('reports a classifier file that does not exist at routers.X.classifier.path, naming the file', () => {
    const issues = issuesOf(`${MODELS}routers:
  picky:
    classifier: { type: trained, path: ./missing.json }
    default: { cheapest_above: { models: [small, large], min_quality: 0.7 } }
`);
    // One issue: the policy's models are not reported again for a classifier that failed to load.
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('routers.picky.classifier.path');
    expect(issues[0]?.message).toContain(`cannot read trained router ${join(dir, 'missing.json')}`);
    expect(issues[0]?.line).toBe(8);
  });

  it('reports a file that is not a trained router', () => {
    const issues = issuesOf(`${MODELS}routers:
  picky:
    classifier: { type: trained, path: garbage.json }
    default: { cheapest_above: { models: [small, large], min_quality: 0.7 } }
`);
    expect(issues.map((issue) => issue.path)).toEqual(['routers.picky.classifier.path']);
    expect(issues[0]?.message).toContain(`${join(dir, 'garbage.json')} is not a trained router file`);
  });

  it('reports a policy model the classifier does not predict, listing what it predicts and suggesting --map', () => {
    const issues = issuesOf(`${MODELS}routers:
  picky:
    classifier: { type: trained, path: ./other.json }
    default: { cheapest_above: { models: [small, large], min_quality: 0.7 } }
`);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('routers.picky.default.cheapest_above.models.1');
    expect(issues[0]?.message).toContain('predicts no score for model "large"');
    expect(issues[0]?.message).toContain('it predicts small, other-model');
    expect(issues[0]?.message).toContain('--map DATA_MODEL=large');
  });

  it('rejects strong_weak with the same model as strong and weak', () => {
    const issues = issuesOf(`${MODELS}routers:
  duo:
    classifier: { type: trained, path: ./both.json }
    default: { strong_weak: { strong: large, weak: large, threshold: 0.1 } }
`);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('routers.duo.default.strong_weak.weak');
    expect(issues[0]?.message).toBe('expected two different models, found "large" as both strong and weak');
  });

  it('rejects a complexity range with min above max', () => {
    const issues = issuesOf(`${MODELS}routers:
  auto:
    routes:
      hard: { when: { complexity: { min: 0.8, max: 0.2 } }, target: large }
    default: small
`);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('routers.auto.routes.hard.when.complexity');
    expect(issues[0]?.message).toContain('expected min <= max');
  });

  it('loads a valid config with both policies and a complexity route', () => {
    const config = parse(`${MODELS}routers:
  learned:
    reference: large
    classifier: { type: trained, path: ./both.json }
    routes:
      hard: { when: { complexity: { min: 0.5 } }, target: { strong_weak: { strong: large, weak: small, threshold: 0.15 } } }
    default: { cheapest_above: { models: [small, large], min_quality: 0.7 } }
`);
    const router = config.routers.get('learned');
    const classifier = router?.classifier;
    if (classifier?.type !== 'trained') throw new Error('expected a trained classifier');
    expect(classifier.path).toBe(join(dir, 'both.json'));
    expect(classifier.model.models).toEqual(['small', 'large']);
    expect(router?.defaultTarget).toEqual({ policy: 'cheapest_above', models: ['small', 'large'], minQuality: 0.7 });
    expect(router?.routes[0]?.when).toEqual({ complexity: { min: 0.5 } });
    expect(router?.routes[0]?.action).toEqual({ type: 'target', target: { policy: 'strong_weak', strong: 'large', weak: 'small', threshold: 0.15 } });
  });

  it("resolves a relative classifier path against the config file's directory, not the working directory", () => {
    const nested = join(dir, 'nested');
    mkdirSync(nested, { recursive: true });
    const yaml = (path: string): string => `${MODELS}routers:
  learned:
    classifier: { type: trained, path: ${path} }
    default: { strong_weak: { strong: large, weak: small, threshold: 0.1 } }
`;
    writeFileSync(join(nested, 'up.yaml'), yaml('../both.json'));
    writeFileSync(join(nested, 'here.yaml'), yaml('./both.json'));
    expect(process.cwd()).not.toBe(nested);

    const config = loadConfigFile(join(nested, 'up.yaml'), { env: {} });
    expect(config.routers.get('learned')?.classifier).toMatchObject({ type: 'trained', path: join(dir, 'both.json') });

    let thrown: unknown;
    try {
      loadConfigFile(join(nested, 'here.yaml'), { env: {} });
    } catch (error) {
      thrown = error;
    }
    expect(ConfigError.isInstance(thrown)).toBe(true);
    const issues = (thrown as ConfigError).issues;
    expect(issues.map((issue) => issue.path)).toEqual(['routers.learned.classifier.path']);
    expect(issues[0]?.message).toContain(join(nested, 'both.json'));
  });
});
