import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/resolved-config.js';
import { DEFAULT_SHADOW_RUBRIC } from '../../src/config/resolve-shadow.js';
import { configErrorsOf } from '../support/config-errors-of.js';

/** A router's `shadow:`: resolved with its defaults, and each mistake reported at its key with the file and line. */

const BASE = `providers:
  p: { type: openai, base_url: "http://127.0.0.1:1/v1", api_key: "sk-test" }
models:
  cheap:  { provider: p, model: cheap-wire,  price: { input: 0.1, output: 0.4 } }
  strong: { provider: p, model: strong-wire, price: { input: 3, output: 15 } }
routers:
  auto:
    default: cheap
`;

const parse = (shadow: string): ResolvedConfig => parseConfig(`${BASE}    shadow: ${shadow}\n`, 'switchyard.yaml', { env: {} });

describe('shadow config', () => {
  it('resolves with max_concurrent 2 and the default rubric unless given', () => {
    expect(parse('{ sample: 0.02, models: [strong, strong], judge: { model: strong }, budget_usd_per_day: 5 }').routers.get('auto')?.shadow).toEqual({
      sample: 0.02,
      models: ['strong'],
      judge: { model: 'strong', rubric: DEFAULT_SHADOW_RUBRIC },
      budgetUsdPerDay: 5,
      maxConcurrent: 2,
    });
    const given = parse('{ sample: 1, models: [strong], judge: { model: cheap, rubric: "Is it right?" }, budget_usd_per_day: 0.5, max_concurrent: 4 }').routers.get('auto')?.shadow;
    expect(given).toMatchObject({ sample: 1, judge: { model: 'cheap', rubric: 'Is it right?' }, maxConcurrent: 4 });
    expect(parseConfig(BASE, 'switchyard.yaml', { env: {} }).routers.get('auto')?.shadow).toBeUndefined();
  });

  it('names the file, line and key of an unknown alternative and an unknown judge', () => {
    const error = configErrorsOf(`${BASE}    shadow: { sample: 0.1, models: [strong, strnog], judge: { model: gpt-judge }, budget_usd_per_day: 5 }\n`);
    expect(error.message).toContain('switchyard.yaml:9');
    expect(error.message).toContain('routers.auto.shadow.models.1');
    expect(error.message).toContain('unknown model "strnog" (did you mean "strong"?)');
    expect(error.message).toContain('routers.auto.shadow.judge.model');
    expect(error.message).toContain('unknown model "gpt-judge"');
  });

  it('refuses a sample out of (0, 1], a missing budget, and an unknown key', () => {
    for (const sample of ['0', '1.5', '-0.1']) {
      const error = configErrorsOf(`${BASE}    shadow: { sample: ${sample}, models: [strong], judge: { model: strong }, budget_usd_per_day: 5 }\n`);
      expect(error.message).toContain('switchyard.yaml:9');
      expect(error.message).toContain('routers.auto.shadow.sample: expected a share of the requests above 0 and at most 1');
    }
    const missing = configErrorsOf(`${BASE}    shadow: { sample: 0.1, models: [strong], judge: { model: strong }, max_concurent: 3 }\n`);
    expect(missing.message).toContain('routers.auto.shadow.budget_usd_per_day');
    expect(missing.message).toContain('max_concurent');
  });
});
