import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/resolved-config.js';
import { ConfigError } from '../../src/errors/config-error.js';

/** The config side of a router's safety `guard`: its defaults, and each mistake reported at its key with the file and line. */

const BASE = `providers:
  p: { type: openai, base_url: "http://127.0.0.1:1/v1", api_key: "sk-test" }
models:
  cheap:  { provider: p, model: cheap-wire,  price: { input: 0.1, output: 0.4 } }
  guard:  { provider: p, model: guard-wire,  price: { input: 0.2, output: 0.2 } }
routers:
  r:
    routes:
      careful: { when: { keywords: [careful] }, target: cheap }
    default: cheap
`;

function parse(guard: string): ResolvedConfig {
  return parseConfig(`${BASE}    guard: ${guard}\n`, 'guard.yaml', { env: {} });
}

function issuesOf(guard: string): ConfigError['issues'] {
  try {
    parse(guard);
  } catch (error) {
    if (!ConfigError.isInstance(error) || error.kind !== 'config') throw error;
    // The file and the line of the guard (line 11) are in what the operator reads.
    expect(error.message).toContain('guard.yaml:11:');
    return (error as ConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}

describe('guard config', () => {
  it('resolves a guard with its defaults: a 2 s timeout and a generic block message', () => {
    expect(parse('{ model: guard, on_unsafe: block, categories: [S1, S2], fail: closed }').routers.get('r')?.guard).toEqual({
      model: 'guard',
      onUnsafe: { type: 'block', message: 'This request was blocked by the safety check.' },
      categories: ['S1', 'S2'],
      timeoutMs: 2_000,
      fail: 'closed',
    });
    expect(parse('{ model: guard, on_unsafe: { route: careful }, categories: [S10], timeout_ms: 500, fail: open }').routers.get('r')?.guard).toMatchObject({
      onUnsafe: { type: 'route', route: 'careful' },
      timeoutMs: 500,
      fail: 'open',
    });
  });

  it.each([
    ['an unknown model', '{ model: nope, on_unsafe: block, categories: [S1], fail: closed }', 'routers.r.guard.model', /nope/],
    ['an unknown route', '{ model: guard, on_unsafe: { route: carefull }, categories: [S1], fail: closed }', 'routers.r.guard.on_unsafe.route', /router "r" has no route "carefull" \(did you mean "careful"\?\); its routes: careful/],
    ['an unknown category', '{ model: guard, on_unsafe: block, categories: [S1, S15], fail: closed }', 'routers.r.guard.categories.1', /"S15" is not a Llama Guard 3 category; expected one of S1, S2/],
    ['a category that is not a code', '{ model: guard, on_unsafe: block, categories: [violence], fail: closed }', 'routers.r.guard.categories.0', /expected a category code such as S2/],
    ['no categories', '{ model: guard, on_unsafe: block, categories: [], fail: closed }', 'routers.r.guard.categories', /expected at least one category code that counts as unsafe/],
    ['a missing fail', '{ model: guard, on_unsafe: block, categories: [S1] }', 'routers.r.guard.fail', /expected one of "open", "closed"/],
    ['a bad on_unsafe', '{ model: guard, on_unsafe: deny, categories: [S1], fail: closed }', 'routers.r.guard.on_unsafe', /expected `block` or \{ route: ROUTE \}/],
    ['an unknown key', '{ model: guard, on_unsafe: block, categories: [S1], fail: closed, mode: strict }', 'routers.r.guard.mode', /unknown key "mode"/],
  ])('reports %s at its key', (_, guard, path, message) => {
    const issues = issuesOf(guard);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe(path);
    expect(issues[0]?.message).toMatch(message);
  });
});
