import { describe, expect, it } from 'vitest';
import { loadQuickstartConfig, parseConfig } from '../../src/config/load-config.js';
import { configErrorsOf } from '../support/config-errors-of.js';

const providers = (entries: string): string => `providers:\n${entries}\nmodels: {}\n`;

describe('a type: gemini entry', () => {
  it('defaults to the v1beta API of generativelanguage.googleapis.com', () => {
    const config = parseConfig(providers('  google: { type: gemini, api_key: "AIza-x" }'), 'switchyard.yaml');
    expect(config.providers.get('google')).toMatchObject({
      type: 'gemini',
      baseUrl: 'https://generativelanguage.googleapis.com/v1beta',
      upstreamUrl: 'https://generativelanguage.googleapis.com/v1beta',
      apiKey: 'AIza-x',
    });
  });

  it('takes its keys and the shared reliability keys, the key from the environment', () => {
    const yaml = providers('  google: { type: gemini, base_url: "http://127.0.0.1:9/v1beta", api_key: "${GEMINI_API_KEY}", max_connections: 8, retry: { max_attempts: 5 } }');
    expect(parseConfig(yaml, 'switchyard.yaml', { env: { GEMINI_API_KEY: 'AIza-env' } }).providers.get('google')).toMatchObject({
      baseUrl: 'http://127.0.0.1:9/v1beta',
      apiKey: 'AIza-env',
      maxConnections: 8,
      reliability: { retry: { maxAttempts: 5 } },
    });
  });

  it("rejects the OpenAI-compatible endpoint's URL and an unknown key, at their lines", () => {
    expect(configErrorsOf(providers('  google:\n    type: gemini\n    base_url: "https://generativelanguage.googleapis.com/v1beta/openai"')).issues).toEqual([
      expect.objectContaining({
        line: 4,
        path: 'providers.google.base_url',
        message: expect.stringContaining('that is the OpenAI-compatible endpoint, which `type: openai` speaks'),
      }),
    ]);
    expect(configErrorsOf(providers('  google:\n    type: gemini\n    version: 2')).issues).toEqual([expect.objectContaining({ line: 4, path: 'providers.google.version' })]);
  });

  it('is disabled, not rejected, when its key variable is unset', () => {
    const config = parseConfig(providers('  google: { type: gemini, api_key: "${GEMINI_API_KEY}" }'), 'switchyard.yaml', { env: {} });
    expect(config.providers.get('google')?.disabled).toEqual({ missingEnv: ['GEMINI_API_KEY'] });
  });

  it("is the quickstart's Google vendor", () => {
    const config = loadQuickstartConfig({ env: { GEMINI_API_KEY: 'AIza-x' } });
    expect(config.providers.get('google')).toMatchObject({ type: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com/v1beta', disabled: undefined });
  });
});
