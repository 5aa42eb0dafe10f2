import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../config/load-config.js';
import { ConfigError, type ConfigIssue } from '../../../errors/config-error.js';
import { TrainedRouter } from '../../../learning/trained-router.js';
import { createChatRequest } from '../../../spec/create-chat-request.js';
import { Routing } from '../../routing.js';

let dir: string;

const MODELS = `providers:
  p: { type: openai, base_url: "https://api.example.invalid/v1", api_key: "sk-test" }
models:
  small: { provider: p, model: small-wire, price: { input: 1, output: 1 }, context_window: 128000 }
  large: { provider: p, model: large-wire, price: { input: 8, output: 16 }, context_window: 128000 }
`;

const parse = (yaml: string): ReturnType<typeof parseConfig> => parseConfig(yaml, join(dir, 'switchyard.yaml'), { env: {}, baseDir: dir });

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
  dir = mkdtempSync(join(tmpdir(), 'switchyard-utility-'));
  // Predicts small 0.5 and large 0.9 for any prompt (biases only): logit(0.5) = 0, logit(0.9) = ln 9.
  const router = new TrainedRouter(
    { dimensions: 16, wordNgrams: 1, charNgrams: undefined, dense: undefined },
    [
      { weights: new Float32Array(16), bias: 0 },
      { weights: new Float32Array(16), bias: Math.log(9) },
    ],
    ['small', 'large'],
    undefined,
  );
  writeFileSync(join(dir, 'router.json'), JSON.stringify(router.toJSON()));
});

describe('utility policy config', () => {
  it('resolves models and cost_weight, and decides by predicted score net of the weighted relative price', async () => {
    // Blended prices 1 and 10: relative 0.1 and 1. Gain 0.4 against a price gap of 0.9: large up to a weight of 0.444.
    const config = parse(`${MODELS}routers:
  cheap:
    classifier: { type: trained, path: ./router.json }
    default: { utility: { models: [large, small], cost_weight: 0.5 } }
  best:
    classifier: { type: trained, path: ./router.json }
    default: { utility: { models: [large, small], cost_weight: 0.4 } }
`);
    expect(config.routers.get('cheap')?.defaultTarget).toEqual({ policy: 'utility', models: ['large', 'small'], costWeight: 0.5 });
    const routing = new Routing(config);
    const cheap = await routing.route(createChatRequest('cheap', 'Hello'));
    expect(cheap.decision.prediction).toEqual({ policy: 'utility', predicted: { small: 0.5, large: 0.9 }, costWeight: 0.5, prices: { small: 0.1, large: 1 }, chosen: 'small', classifierVersion: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(cheap.steps[0]?.specs.map((spec) => spec.name)).toEqual(['small', 'large']);
    const best = await routing.route(createChatRequest('best', 'Hello'));
    expect(best.decision.prediction).toMatchObject({ chosen: 'large' });
  });

  it('rejects utility without a classifier at the first model, naming the router', () => {
    const issues = issuesOf(`${MODELS}routers:
  picky:
    default: { utility: { models: [small, large], cost_weight: 0.1 } }
`);
    expect(issues.map((issue) => issue.path)).toEqual(['routers.picky.default.utility.models.0']);
    expect(issues[0]?.message).toContain('router "picky"');
  });

  it('rejects a negative cost_weight and a single model', () => {
    const negative = issuesOf(`${MODELS}routers:
  picky:
    classifier: { type: trained, path: ./router.json }
    default: { utility: { models: [small, large], cost_weight: -0.1 } }
`);
    expect(negative.map((issue) => issue.path)).toEqual(['routers.picky.default.utility.cost_weight']);
    const single = issuesOf(`${MODELS}routers:
  picky:
    classifier: { type: trained, path: ./router.json }
    default: { utility: { models: [small], cost_weight: 0.1 } }
`);
    expect(single[0]?.message).toContain('expected at least two models');
  });
});
