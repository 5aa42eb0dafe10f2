import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { configErrorsOf } from '../support/config-errors-of.js';


const BASE = `
providers:
  deepseek: { type: openai, base_url: "https://api.deepseek.com/v1", api_key: "sk-x" }
models:
  deepseek-v3: { provider: deepseek, model: deepseek-chat, price: { input: 0.27, output: 1.10 }, context_window: 64000 }
`;

describe('config errors', () => {
  it('names the file, the line, the key path, what was expected and what was found', () => {
    const error = configErrorsOf(`${BASE}routers:
  auto:
    routes:
      code: { when: { keywords: [debug] }, target: 42 }
    default: deepseek-v3
`);
    expect(error.issues).toEqual([
      {
        path: 'routers.auto.routes.code.target',
        message: 'expected a model name or a policy object: { fallback: [...] }, { loadbalance: [...] }, { cheapest_above: { models, min_quality } }, { strong_weak: { strong, weak, threshold } }, { utility: { models, cost_weight } }, { cascade: { models, check } }, { parallel: { models, pick } } or { sticky: { target, ttl_ms } }, found number 42',
        line: 9,
        column: 52,
      },
    ]);
    expect(error.message).toContain('switchyard.yaml:9:52: routers.auto.routes.code.target: expected a model name');
  });

  it('says which models exist when a route names an unknown one, with a likely typo', () => {
    const error = configErrorsOf(`${BASE}routers:
  auto:
    routes:
      code: { when: { keywords: [debug] }, target: deepseek-v4 }
    default: deepseek-v3
`);
    const [issue] = error.issues;
    expect(issue?.path).toBe('routers.auto.routes.code.target');
    expect(issue?.message).toMatch(/^unknown model "deepseek-v4" \(did you mean "deepseek-v3"\?\); known models: deepseek-v3, /);
  });

  it('says which providers exist when a model names an unknown one', () => {
    const error = configErrorsOf(`${BASE}  other: { provider: deepsek, model: x, price: { input: 1, output: 2 } }
routers:
  auto: { default: deepseek-v3 }
`);
    expect(error.issues.map((issue) => [issue.path, issue.message])).toEqual([
      ['models.other.provider', 'unknown provider "deepsek" (did you mean "deepseek"?); known providers: deepseek'],
    ]);
  });

  it('rejects unknown keys, naming the allowed ones', () => {
    const error = configErrorsOf(`${BASE}routers:
  auto:
    default: deepseek-v3
    fallback: { deepseek-v3: [deepseek-v3] }
`);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe('routers.auto.fallback');
    expect(error.issues[0]?.message).toBe(
      'unknown key "fallback" (did you mean "fallbacks"?); allowed keys: description, reference, match_on, classifier, guard, on_budget, shadow, encoder, routes, default, fallbacks, sticky',
    );
    expect(error.issues[0]?.line).toBe(9);
  });

  it('reports every error of the file at once, in file order', () => {
    const error = configErrorsOf(`server:
  port: "eighty"
providers:
  anthropic: { type: anthropic, api_key: x, prompt_caching: always }
  local: { type: openai, base_url: "not a url" }
models:
  mystery: { provider: nowhere, price: { input: 1 } }
routers:
  auto:
    reference: claude-sonet
    routes:
      default: { target: mystery }
      code: { when: { regex: ["(unclosed"] }, target: gpt5 }
    default: mystery
`);
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'server.port',
      'providers.anthropic.prompt_caching',
      'providers.local.base_url',
      'models.mystery.provider',
      'models.mystery.price',
      'routers.auto.reference',
      'routers.auto.routes.default',
      'routers.auto.routes.code.when.regex.0',
      'routers.auto.routes.code.target',
    ]);
    const messages = error.issues.map((issue) => issue.message);
    expect(messages).toContain('expected a port number, found "eighty"');
    expect(messages).toContain('expected one of "auto", "off", found "always"');
    expect(messages).toContain('expected an http(s) URL such as https://api.openai.com/v1, found "not a url"');
    expect(messages.some((message) => message.startsWith('invalid regular expression:'))).toBe(true);
    // "mystery" is invalid, so its uses are not reported again.
    expect(messages.filter((message) => message.includes('"mystery"'))).toEqual([]);
  });

  it('explains a model from the built-in catalog whose provider is not configured', () => {
    const error = configErrorsOf(`${BASE}routers:
  auto: { default: gpt-4o-mini }
`);
    expect(error.issues[0]?.message).toBe(
      'model "gpt-4o-mini" is in the built-in catalog but its provider "openai" is not configured; add a provider named "openai" or define the model under `models:` with a provider',
    );
  });

  it('requires a price for models that are not in the built-in catalog', () => {
    const error = configErrorsOf(`${BASE}  local-llama: { provider: deepseek }
routers:
  auto: { default: deepseek-v3 }
`);
    expect(error.issues[0]?.path).toBe('models.local-llama.price');
    expect(error.issues[0]?.message).toMatch(/^missing: expected price \{ input, output \} in USD per 1M tokens/);
  });

  it('names an unset environment variable outside providers', () => {
    const error = configErrorsOf(`${BASE}storage:
  path: "\${TRACE_DIR}/switchyard.db"
routers:
  auto: { default: deepseek-v3 }
`);
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: 'storage.path',
        message: 'environment variable TRACE_DIR is not set (write ${TRACE_DIR:-default} to give a default)',
      }),
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    const error = configErrorsOf('routers:\n  auto:\n    default: [a\n');
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.message).toMatch(/^invalid YAML: /);
    expect(error.issues[0]?.line).toBeGreaterThan(0);
  });

  it('rejects names that cannot travel in a header, and route names that clash', () => {
    const error = configErrorsOf(`${BASE}routers:
  "auto router": { default: deepseek-v3 }
  deepseek-v3: { default: deepseek-v3 }
`);
    expect(error.issues.map((issue) => [issue.path, issue.message.split(':')[0]])).toEqual([
      ['routers.auto router', 'invalid name "auto router"'],
      ['routers.deepseek-v3', 'router name "deepseek-v3" is also a model name; a client\'s `model'],
    ]);
  });

  it('rejects a rehearsal provider whose fault rates add up to more than 1', () => {
    const error = configErrorsOf(`providers:
  flaky:
    type: mock
    faults:
      - { rate: 0.7, kind: error, status: 503 }
      - { rate: 0.5, kind: reset }
`);
    expect(error.issues).toEqual([expect.objectContaining({ path: 'providers.flaky.faults', message: 'expected fault rates that add up to at most 1, found 1.2' })]);
  });

  it('requires exactly one of target or block on a route', () => {
    const error = configErrorsOf(`${BASE}routers:
  auto:
    routes:
      both: { when: { keywords: [x] }, target: deepseek-v3, block: "no" }
      neither: { when: { keywords: [y] } }
    default: deepseek-v3
`);
    expect(error.issues.map((issue) => issue.path)).toEqual(['routers.auto.routes.both', 'routers.auto.routes.neither']);
    expect(error.issues[0]?.message).toMatch(/^expected exactly one of `target` \(a model or policy\) or `block` \(a message\)/);
  });
});

describe('valid configs', () => {
  it('reads ${VAR} from the environment and merges built-in catalog entries', () => {
    const config = parseConfig(
      `
providers:
  openai: { type: openai, base_url: "\${OPENAI_BASE:-https://api.openai.com/v1}", api_key: "\${OPENAI_API_KEY}" }
models:
  gpt-4o-mini: { context_window: 1000 }
  mini-via-from: { from: gpt-4o-mini, price: { output: 9 } }
routers:
  auto: { default: gpt-4o-mini, reference: gpt-4o }
`,
      'x.yaml',
      { env: { OPENAI_API_KEY: 'sk-from-env' } },
    );
    expect(config.providers.get('openai')).toMatchObject({ type: 'openai', apiKey: 'sk-from-env', baseUrl: 'https://api.openai.com/v1' });
    // Overridden field, inherited rest.
    expect(config.models.get('gpt-4o-mini')).toMatchObject({ contextWindow: 1000, wireModel: 'gpt-4o-mini', provider: 'openai', origin: 'config' });
    expect(config.models.get('gpt-4o-mini')?.price.input).toBeGreaterThan(0);
    const viaFrom = config.models.get('mini-via-from');
    expect(viaFrom?.price.output).toBe(9);
    expect(viaFrom?.price.input).toBe(config.models.get('gpt-4o-mini')?.price.input);
    // Built-in models of a configured provider are available by name.
    expect(config.models.get('gpt-4o')?.origin).toBe('builtin');
  });

  it('disables a provider whose key variable is unset, with a warning, instead of failing', () => {
    const config = parseConfig(
      `
providers:
  openai: { type: openai, base_url: "https://api.openai.com/v1", api_key: "\${OPENAI_API_KEY}" }
  local: { type: openai, base_url: "\${LOCAL_URL}" }
routers:
  auto: { default: gpt-4o-mini }
`,
      'x.yaml',
      { env: {} },
    );
    expect(config.providers.get('openai')?.disabled).toEqual({ missingEnv: ['OPENAI_API_KEY'] });
    expect(config.providers.get('local')?.disabled).toEqual({ missingEnv: ['LOCAL_URL'] });
    expect(config.warnings).toEqual([
      'provider "openai" is disabled: OPENAI_API_KEY is not set',
      'provider "local" is disabled: LOCAL_URL is not set',
    ]);
  });

  it('drops an unset gateway key only under auth: none (test/config/auth-config.test.ts has the rest)', () => {
    const config = parseConfig(`server:\n  auth: none\n  api_keys: ["\${SWITCHYARD_API_KEY}", "static-key"]\n`, 'x.yaml', { env: {} });
    expect(config.server.apiKeys).toEqual(['static-key']);
    expect(configErrorsOf(`server:\n  api_keys: ["\${SWITCHYARD_API_KEY}", "static-key"]\n`).issues.map((issue) => issue.path)).toEqual(['server.api_keys.0']);
  });

  it('accepts sizes with units and ports from the environment', () => {
    const config = parseConfig(`server:\n  port: "\${PORT}"\n  max_body_size: 2mb\n`, 'x.yaml', { env: { PORT: '9999' } });
    expect(config.server.port).toBe(9999);
    expect(config.server.maxBodyBytes).toBe(2 * 1024 * 1024);
  });
});
