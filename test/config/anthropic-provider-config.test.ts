import { describe, expect, it } from 'vitest';
import { loadQuickstartConfig, parseConfig } from '../../src/config/load-config.js';
import { configErrorsOf } from '../support/config-errors-of.js';

const providers = (entries: string): string => `providers:\n${entries}\nmodels: {}\n`;

describe('a type: anthropic entry', () => {
  it('defaults to api.anthropic.com without /v1, anthropic-version 2023-06-01 and prompt_caching auto', () => {
    const config = parseConfig(providers('  claude: { type: anthropic, api_key: "sk-ant-x" }'), 'switchyard.yaml');
    expect(config.providers.get('claude')).toMatchObject({
      type: 'anthropic',
      baseUrl: 'https://api.anthropic.com',
      upstreamUrl: 'https://api.anthropic.com',
      apiKey: 'sk-ant-x',
      version: '2023-06-01',
      promptCaching: 'auto',
    });
  });

  it('takes its keys and the shared reliability keys', () => {
    const yaml = providers('  claude: { type: anthropic, base_url: "http://127.0.0.1:9/proxy", version: "2026-10-21", prompt_caching: "off", retry: { max_attempts: 5 } }');
    expect(parseConfig(yaml, 'switchyard.yaml').providers.get('claude')).toMatchObject({ baseUrl: 'http://127.0.0.1:9/proxy', version: '2026-10-21', promptCaching: 'off', apiKey: undefined });
  });

  it('rejects a base_url ending in /v1 and an unknown prompt_caching, at their lines', () => {
    const yaml = providers('  claude:\n    type: anthropic\n    base_url: "https://api.anthropic.com/v1"\n    prompt_caching: always');
    expect(configErrorsOf(yaml).issues).toMatchInlineSnapshot(`
      [
        {
          "column": 21,
          "line": 5,
          "message": "expected one of "auto", "off", found "always"",
          "path": "providers.claude.prompt_caching",
        },
      ]
    `);
    expect(configErrorsOf(providers('  claude:\n    type: anthropic\n    base_url: "https://api.anthropic.com/v1"')).issues).toEqual([
      expect.objectContaining({
        line: 4,
        path: 'providers.claude.base_url',
        message: 'expected an http(s) URL without /v1, such as https://api.anthropic.com: the provider appends /v1/messages itself, found "https://api.anthropic.com/v1"',
      }),
    ]);
  });

  it('is disabled, not rejected, when its key variable is unset', () => {
    const config = parseConfig(providers('  claude: { type: anthropic, api_key: "${ANTHROPIC_API_KEY}" }'), 'switchyard.yaml', { env: {} });
    expect(config.providers.get('claude')?.disabled).toEqual({ missingEnv: ['ANTHROPIC_API_KEY'] });
  });

  it("is the quickstart's Anthropic vendor", () => {
    const config = loadQuickstartConfig({ env: { ANTHROPIC_API_KEY: 'sk-ant-x' } });
    expect(config.providers.get('anthropic')).toMatchObject({ type: 'anthropic', baseUrl: 'https://api.anthropic.com', promptCaching: 'auto', disabled: undefined });
  });
});
