import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { configErrorsOf } from '../support/config-errors-of.js';

const BASE = `
providers:
  fake: { type: openai, base_url: "http://127.0.0.1:1/v1", api_key: "sk-x" }
models:
  cheap: { provider: fake, model: cheap-wire, price: { input: 0.15, output: 0.6 } }
  strong: { provider: fake, model: strong-wire, price: { input: 3, output: 15 } }
routers:
  auto: { default: cheap }
`;

const GLOB = 'expected a model name, or a glob with `*` (any run of characters) and `?` (one character), without spaces';

describe('model_aliases', () => {
  it('resolves into the config, in the order written, to routers and models', () => {
    const config = parseConfig(`${BASE}model_aliases:\n  "claude-*haiku*": cheap\n  "claude-*": auto\n`, 'switchyard.yaml', { env: {} });
    expect(config.modelAliases.entries).toEqual([
      { glob: 'claude-*haiku*', target: 'cheap' },
      { glob: 'claude-*', target: 'auto' },
    ]);
    expect(config.modelAliases.lookup('claude-3-5-haiku-latest')).toBe('cheap');
    expect(config.modelAliases.lookup('claude-opus-4-8')).toBe('auto');
  });

  it('is empty when absent', () => {
    expect(parseConfig(BASE, 'switchyard.yaml', { env: {} }).modelAliases.entries).toEqual([]);
  });

  it('names an unknown target, with the routers and models there are and a likely typo', () => {
    expect(configErrorsOf(`${BASE}model_aliases:\n  "claude-*": autp\n`).issues).toEqual([
      { path: 'model_aliases.claude-*', message: 'unknown router or model "autp" (did you mean "auto"?); routers: auto; models: cheap, strong', line: 10, column: 15 },
    ]);
  });

  it('says when a target is a catalog model whose provider is not configured', () => {
    expect(configErrorsOf(`${BASE}model_aliases:\n  "gpt-*": gpt-4o\n`).issues.map((issue) => issue.message)).toEqual([
      'model "gpt-4o" is in the built-in catalog but its provider "openai" is not configured; add a provider named "openai" or define the model under `models:` with a provider',
    ]);
  });

  it('rejects a bad glob at its key, and a target of the wrong type at its value', () => {
    expect(configErrorsOf(`${BASE}model_aliases:\n  "claude *": auto\n  "gpt-*": 42\n  "o?": { router: auto }\n`).issues).toEqual([
      { path: 'model_aliases.claude *', message: `invalid alias "claude *": ${GLOB}`, line: 10, column: 3 },
      { path: 'model_aliases.gpt-*', message: 'expected a router or model name, found number 42', line: 11, column: 12 },
      { path: 'model_aliases.o?', message: 'expected a router or model name, found a map with keys router', line: 12, column: 9 },
    ]);
  });

  it('rejects an alias that is itself a router or model name: the exact name always wins, so it could never apply', () => {
    expect(configErrorsOf(`${BASE}model_aliases:\n  auto: strong\n  cheap: auto\n`).issues.map((issue) => [issue.path, issue.message, issue.line])).toEqual([
      ['model_aliases.auto', '"auto" is a router name, which requests reach directly, never through an alias; remove this alias', 10],
      ['model_aliases.cheap', '"cheap" is a model name, which requests reach directly, never through an alias; remove this alias', 11],
    ]);
  });

  it('rejects model_aliases that is not a map, and still checks the rest of the file', () => {
    const error = configErrorsOf(`${BASE}model_aliases: [auto]\n`.replace('default: cheap', 'default: cheep'));
    expect(error.issues.map((issue) => [issue.path, issue.message])).toEqual([
      ['routers.auto.default', expect.stringMatching(/^unknown model "cheep"/)],
      ['model_aliases', 'expected a map, found a list of 1 item'],
    ]);
    expect(error.message).toContain('switchyard.yaml:9:16: model_aliases: expected a map');
  });
});

describe('rule conditions for agent traffic', () => {
  const route = (when: string): string => `${BASE}    routes:\n      r: { when: ${when}, target: strong }\n`.replace('auto: { default: cheap }', 'auto:\n    default: cheap');

  it('accept a glob or a list of globs and true/false traits', () => {
    const config = parseConfig(route('{ requested_model: ["claude-*haiku*", "gpt-?o"], has_tools: false, has_images: true, thinking: true }'), 'switchyard.yaml', { env: {} });
    expect(config.routers.get('auto')?.routes[0]?.when).toEqual({ requested_model: ['claude-*haiku*', 'gpt-?o'], has_tools: false, has_images: true, thinking: true });
  });

  it('reject a glob with spaces, a wrong type and a trait that is not true or false', () => {
    expect(configErrorsOf(route('{ requested_model: ["claude-*", "a b"] }')).issues.map((issue) => [issue.path, issue.message])).toEqual([
      ['routers.auto.routes.r.when.requested_model.1', `${GLOB}, found "a b"`],
    ]);
    expect(configErrorsOf(route('{ requested_model: 42 }')).issues.map((issue) => [issue.path, issue.message])).toEqual([
      ['routers.auto.routes.r.when.requested_model', 'expected a glob (`claude-*haiku*`) or a list of globs, found number 42'],
    ]);
    expect(configErrorsOf(route('{ has_tools: "yes" }')).issues.map((issue) => [issue.path, issue.message])).toEqual([
      ['routers.auto.routes.r.when.has_tools', 'expected true or false, found "yes"'],
    ]);
    expect(configErrorsOf(route('{ all: [{ thinking: 1 }] }')).issues.map((issue) => [issue.path, issue.message])).toEqual([
      ['routers.auto.routes.r.when.all.0.thinking', 'expected true or false, found number 1'],
    ]);
  });
});
