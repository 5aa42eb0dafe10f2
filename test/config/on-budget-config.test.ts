import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/resolved-config.js';
import { configErrorsOf } from '../support/config-errors-of.js';

/** A router's `on_budget`: sorted when resolved, and each mistake reported at its key with the file and line. */

const BASE = `providers:
  p: { type: openai, base_url: "http://127.0.0.1:1/v1", api_key: "sk-test" }
models:
  cheap:  { provider: p, model: cheap-wire,  price: { input: 0.1, output: 0.4 } }
  strong: { provider: p, model: strong-wire, price: { input: 3, output: 15 } }
routers:
  thrifty:
    default: cheap
  auto:
    default: strong
`;

const parse = (onBudget: string): ResolvedConfig => parseConfig(`${BASE}    on_budget: ${onBudget}\n`, 'switchyard.yaml', { env: {} });

describe('on_budget config', () => {
  it('resolves the rules sorted by their share', () => {
    expect(parse('[{ above: 1, block: "Budget reached" }, { above: 0.8, use: thrifty }]').routers.get('auto')?.onBudget).toEqual([
      { above: 0.8, use: 'thrifty' },
      { above: 1, block: 'Budget reached' },
    ]);
    expect(parse('[{ above: 0.5, use: thrifty }]').routers.get('thrifty')?.onBudget).toBeUndefined();
  });

  it('names the file, line and key of an unknown router, of the router itself and of a repeated share', () => {
    const error = configErrorsOf(`${BASE}    on_budget: [{ above: 0.8, use: thrifti }, { above: 0.8, use: auto }]\n`);
    expect(error.message).toContain('switchyard.yaml:11');
    expect(error.message).toContain('routers.auto.on_budget.0.use');
    expect(error.message).toContain('unknown router "thrifti" (did you mean "thrifty"?)');
    expect(error.message).toContain('routers.auto.on_budget.1.use');
    expect(error.message).toContain('router "auto" cannot use itself');
    expect(error.message).toContain('another rule of on_budget is already above 0.8');
  });

  it('refuses a share at or below 0 and a rule with neither use nor block', () => {
    const error = configErrorsOf(`${BASE}    on_budget: [{ above: 0, use: thrifty }, { above: 0.9 }]\n`);
    expect(error.message).toContain('routers.auto.on_budget.0.above: expected a share of the budget above 0');
    expect(error.message).toContain('routers.auto.on_budget.1: expected { above: SHARE, use: ROUTER } or { above: SHARE, block: MESSAGE }');
  });
});
