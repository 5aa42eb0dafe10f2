import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/resolved-config.js';
import { ConfigError } from '../../src/errors/config-error.js';

/** The config side of a router's safety `guard`: its defaults, and each mistake reported at its key with the file and line. */

const BASE = `providers:
  p: { type: openai, base_url: "http://127.0.0.1:1/v1", api_key: "sk-test" }
  openai: { type: openai, base_url: "http://127.0.0.1:1/v1", api_key: "sk-test" }
models:
  cheap:  { provider: p, model: cheap-wire,  price: { input: 0.1, output: 0.4 } }
  guard:  { provider: p, model: guard-wire,  price: { input: 0.2, output: 0.2 } }
  mod:    { provider: p, model: omni-moderation-latest, price: { input: 0, output: 0 } }
  omni:   { from: omni-moderation-latest, provider: p }
  emb:    { from: text-embedding-3-small, provider: p }
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
    // The file and the line of the guard (line 15) are in what the operator reads.
    expect(error.message).toContain('guard.yaml:15:');
    return (error as ConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}

describe('guard config', () => {
  it('resolves a guard with its defaults: a 2 s timeout and a generic block message', () => {
    expect(parse('{ model: guard, on_unsafe: block, categories: [S1, S2], fail: closed }').routers.get('r')?.guard).toEqual({
      type: 'llama_guard',
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

  it('takes the catalog\'s moderation model for a moderation guard', () => {
    expect(parse('{ type: moderation, model: omni, on_unsafe: block, categories: [hate], fail: closed }').routers.get('r')?.guard).toMatchObject({ type: 'moderation', model: 'omni' });
    expect(parse('{ type: moderation, model: omni-moderation-latest, on_unsafe: block, categories: [hate], fail: closed }').models.get('omni-moderation-latest')).toMatchObject({
      moderation: true,
      price: { input: 0, output: 0 },
    });
  });

  it('resolves a moderation guard: its categories by name, and a threshold if given', () => {
    expect(parse('{ type: moderation, model: mod, on_unsafe: block, categories: [violence, self-harm/intent], threshold: 0.5, fail: closed }').routers.get('r')?.guard).toEqual({
      type: 'moderation',
      model: 'mod',
      onUnsafe: { type: 'block', message: 'This request was blocked by the safety check.' },
      categories: ['violence', 'self-harm/intent'],
      threshold: 0.5,
      timeoutMs: 2_000,
      fail: 'closed',
    });
    expect(parse('{ type: moderation, model: mod, on_unsafe: { route: careful }, categories: [hate], fail: open }').routers.get('r')?.guard).toMatchObject({
      type: 'moderation',
      threshold: undefined,
    });
  });

  it.each([
    ['an unknown model', '{ model: nope, on_unsafe: block, categories: [S1], fail: closed }', 'routers.r.guard.model', /nope/],
    ['an unknown route', '{ model: guard, on_unsafe: { route: carefull }, categories: [S1], fail: closed }', 'routers.r.guard.on_unsafe.route', /router "r" has no route "carefull" \(did you mean "careful"\?\); its routes: careful/],
    ['an unknown category', '{ model: guard, on_unsafe: block, categories: [S1, S15], fail: closed }', 'routers.r.guard.categories.1', /"S15" is not a Llama Guard 3 category; expected one of S1, S2/],
    ['a category that is not a code', '{ model: guard, on_unsafe: block, categories: [violence], fail: closed }', 'routers.r.guard.categories.0', /expected a category code such as S2, not "violence" \(category names such as "violence" need `type: moderation`\)/],
    ['no categories', '{ model: guard, on_unsafe: block, categories: [], fail: closed }', 'routers.r.guard.categories', /expected at least one category that counts as unsafe, e.g. \[S1, S2\] \(llama_guard\) or \[violence, self-harm\/intent\] \(moderation\)/],
    ['a threshold on a Llama Guard', '{ model: guard, on_unsafe: block, categories: [S1], threshold: 0.5, fail: closed }', 'routers.r.guard.threshold', /`threshold` needs `type: moderation`/],
    ['an unknown type', '{ type: moderator, model: mod, on_unsafe: block, categories: [hate], fail: closed }', 'routers.r.guard.type', /expected one of "llama_guard", "moderation"/],
    ['a Llama Guard code on a moderation guard', '{ type: moderation, model: mod, on_unsafe: block, categories: [violence, S1], fail: closed }', 'routers.r.guard.categories.1', /"S1" is not a moderation category; expected one of harassment, harassment\/threatening, hate, .*violence\/graphic/],
    ['a misspelt moderation category', '{ type: moderation, model: mod, on_unsafe: block, categories: [self-harm/intnet], fail: closed }', 'routers.r.guard.categories.0', /"self-harm\/intnet" is not a moderation category \(did you mean "self-harm\/intent"\?\)/],
    ['a threshold out of range', '{ type: moderation, model: mod, on_unsafe: block, categories: [hate], threshold: 1.5, fail: closed }', 'routers.r.guard.threshold', /expected a score above 0 and at most 1/],
    ['a zero threshold', '{ type: moderation, model: mod, on_unsafe: block, categories: [hate], threshold: 0, fail: closed }', 'routers.r.guard.threshold', /expected a score above 0 and at most 1/],
    ['a Llama Guard on a moderation model', '{ model: omni, on_unsafe: block, categories: [S1], fail: closed }', 'routers.r.guard.model', /"omni" is a moderation model: a guard that calls it needs `type: moderation`/],
    ['a moderation guard on an embedding model', '{ type: moderation, model: emb, on_unsafe: block, categories: [hate], fail: closed }', 'routers.r.guard.model', /"emb" is an embedding model; a guard needs/],
    ['a moderation guard on a catalog chat model', '{ type: moderation, model: gpt-4o-mini, on_unsafe: block, categories: [hate], fail: closed }', 'routers.r.guard.model', /"gpt-4o-mini" is a chat model of the built-in catalog, not a moderation model \(such as omni-moderation-latest\)/],
    ['an unknown moderation model', '{ type: moderation, model: omni-moderation, on_unsafe: block, categories: [hate], fail: closed }', 'routers.r.guard.model', /omni-moderation/],
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
