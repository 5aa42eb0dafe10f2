import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { configErrorsOf } from '../support/config-errors-of.js';

/**
 * `api: chat | responses`: on a `type: openai` provider (its models' default) and on a `models:`
 * entry (wins), with the built-in catalog marking the models OpenAI serves through the Responses
 * API only. A model resolved to the Responses API runs OpenAI's built-in tools unless the config
 * says otherwise; a provider that speaks one wire API takes no `api`.
 */

const OPENAI = 'openai: { type: openai, base_url: "https://api.openai.com/v1", api_key: "sk-x" }';
const CLAUDE = 'claude: { type: anthropic, api_key: "sk-ant-x" }';

function modelsOf(yaml: string): ReturnType<typeof parseConfig>['models'] {
  return parseConfig(yaml, 'switchyard.yaml', { env: {} }).models;
}

describe('api: chat | responses', () => {
  it('calls the Responses-only built-in models through the Responses API, with built-in tools', () => {
    const models = modelsOf(`providers:\n  ${OPENAI}\n`);
    for (const name of ['o3-pro', 'gpt-5.5-pro', 'gpt-5-codex', 'gpt-5.1-codex-mini', 'gpt-5.3-codex', 'codex-mini-latest']) {
      expect(models.get(name), name).toMatchObject({ api: 'responses', capabilities: { builtinTools: true } });
    }
    expect(models.get('gpt-5-codex')?.price).toEqual({ input: 1.25, cachedInput: 0.125, cacheWrite: undefined, output: 10 });
    expect(models.get('o3-pro')?.capabilities.streaming).toBe(false);
    expect(models.get('gpt-4.1')?.api).toBeUndefined();
    expect(models.get('gpt-4.1')?.capabilities.builtinTools).toBeUndefined();
  });

  it("takes a provider's api as its models' default, a model's own api over it, and a config's builtin_tools over the default", () => {
    const models = modelsOf(`
providers:
  vendor: { type: openai, base_url: "https://llm.example.com/v1", api: responses }
models:
  plain: { provider: vendor, price: { input: 1, output: 2 } }
  chatty: { provider: vendor, api: chat, price: { input: 1, output: 2 } }
  mimic: { provider: vendor, price: { input: 1, output: 2 }, capabilities: { builtin_tools: false } }
`);
    expect(models.get('plain')).toMatchObject({ api: 'responses', capabilities: { builtinTools: true } });
    expect(models.get('chatty')?.api).toBeUndefined();
    expect(models.get('chatty')?.capabilities.builtinTools).toBeUndefined();
    expect(models.get('mimic')).toMatchObject({ api: 'responses', capabilities: { builtinTools: false } });
  });

  it('lets a model of a chat provider choose the Responses API, and a Responses-only model be sent to chat on purpose', () => {
    const models = modelsOf(`
providers:
  ${OPENAI}
models:
  gpt-4.1: { api: responses }
  gpt-5-codex: { api: chat }
`);
    expect(models.get('gpt-4.1')).toMatchObject({ api: 'responses', capabilities: { builtinTools: true } });
    expect(models.get('gpt-5-codex')?.api).toBeUndefined();
  });

  it('rejects api on a provider that speaks one wire API, naming the line and the allowed keys', () => {
    const [issue] = configErrorsOf(`providers:\n  claude: { type: anthropic, api_key: "k", api: responses }\nmodels: {}\n`).issues;
    expect(issue).toMatchObject({ path: 'providers.claude.api', line: 2, message: expect.stringMatching(/^unknown key "api"; allowed keys: /) });
  });

  it("rejects api on a model of such a provider, and a Responses-only model sent to one, at the key's line", () => {
    const issues = configErrorsOf(`
providers:
  ${CLAUDE}
models:
  haiku: { provider: claude, model: claude-haiku-4-5, api: responses, price: { input: 1, output: 5 } }
  pro: { from: o3-pro, provider: claude }
`).issues;
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'models.haiku.api',
        line: 5,
        message:
          'unexpected `api`: provider "claude" (type anthropic) speaks one wire API; only providers that speak both Chat Completions and the Responses API take one',
      }),
      expect.objectContaining({
        path: 'models.pro.provider',
        line: 6,
        message:
          'built-in model "o3-pro" is served through the Responses API only, and provider "claude" (type anthropic) speaks one wire API; expected a provider that speaks the Responses API',
      }),
    ]);
  });

  it('leaves the Responses-only built-in models out, unasked, when the provider of their name speaks one wire API', () => {
    const models = modelsOf(`providers:\n  openai: { type: anthropic, api_key: "k" }\n`);
    expect(models.has('o3-pro')).toBe(false);
    expect(models.has('gpt-4.1')).toBe(true);
  });

  it('rejects an api that is neither chat nor responses', () => {
    const [issue] = configErrorsOf(`providers:\n  openai: { type: openai, base_url: "https://api.openai.com/v1", api: soap }\nmodels: {}\n`).issues;
    expect(issue).toMatchObject({ path: 'providers.openai.api', line: 2, message: expect.stringContaining('"soap"') });
  });
});
