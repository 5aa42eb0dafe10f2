import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/errors/config-error.js';

const config = (provider: string, model = ''): string => `
providers:
  up: { type: openai, base_url: "https://api.example.com/v1", api_key: "sk-x" ${provider} }
models:
  fast: { provider: up, model: fast-1, price: { input: 1, output: 2 } ${model} }
  slow: { provider: up, model: slow-1, price: { input: 1, output: 2 } }
`;

describe('timeouts in the config', () => {
  it('defaults: a request gets 5 minutes to begin its answer; an attempt 10 minutes, 2 to its first token, 10 s to connect', () => {
    const timeout = parseConfig(config(''), 'switchyard.yaml', { env: {} }).models.get('fast')?.reliability.timeout;
    expect(timeout).toEqual({ connectMs: 10_000, firstTokenMs: 120_000, totalMs: 600_000, requestMs: 300_000 });
  });

  it('reads timeout.request_ms from the provider, and from the model over it', () => {
    const resolved = parseConfig(config(', timeout: { request_ms: 90000 }', ', timeout: { request_ms: 900000 }'), 'switchyard.yaml', { env: {} });
    expect(resolved.models.get('fast')?.reliability.timeout.requestMs).toBe(900_000);
    expect(resolved.models.get('slow')?.reliability.timeout.requestMs).toBe(90_000);
  });

  it('rejects a request_ms that is not a positive number of milliseconds, naming the key and its line', () => {
    let error: unknown;
    try {
      parseConfig(config(', timeout: { request_ms: 0 }'), 'switchyard.yaml', { env: {} });
    } catch (thrown) {
      error = thrown;
    }
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).issues).toEqual([expect.objectContaining({ path: 'providers.up.timeout.request_ms', line: 3 })]);
  });
});
