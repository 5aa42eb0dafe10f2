import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { guardedRouters } from './guarded-routers.js';

const GUARD = '{ model: guard, on_unsafe: block, categories: [S1], fail: closed }';

describe('guardedRouters', () => {
  it('lists the routers with a guard whose on_budget rules switch only to guarded routers', () => {
    const config = parseConfig(
      `
providers:
  fake: { type: openai, base_url: "http://127.0.0.1:9", api_key: "sk-test-secret-key-123456" }
models:
  cheap: { provider: fake, model: cheap-wire, price: { input: 0.15, output: 0.6 }, context_window: 128000 }
  guard: { provider: fake, model: guard-wire, price: { input: 0.2, output: 0.2 }, context_window: 128000 }
routers:
  safe:     { guard: ${GUARD}, default: cheap }
  plain:    { default: cheap }
  leaky:    { guard: ${GUARD}, on_budget: [{ above: 0.8, use: plain }], default: cheap }
  tight:    { guard: ${GUARD}, on_budget: [{ above: 0.8, use: safe }, { above: 0.95, block: "Over budget." }], default: cheap }
`,
      'test.yaml',
      { env: {} },
    );
    const guarded = guardedRouters(config.routers);
    expect([...guarded]).toEqual(['safe', 'tight']);
    expect(guardedRouters(config.routers)).toBe(guarded);
  });
});
