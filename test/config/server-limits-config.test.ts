import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/errors/config-error.js';

const BASE = `
providers:
  local: { type: openai, base_url: "http://127.0.0.1:9/v1", api_key: "sk-x" }
models:
  small: { provider: local, model: small, price: { input: 0, output: 0 }, context_window: 8000 }
`;

function issuesOf(yaml: string): ConfigError['issues'] {
  try {
    parseConfig(yaml, 'switchyard.yaml', { env: {} });
  } catch (error) {
    if (ConfigError.isInstance(error) && error.kind === 'config') return (error as ConfigError).issues;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

describe('server limits', () => {
  it('has defaults a production gateway can live with', () => {
    const { server } = parseConfig(BASE, 'switchyard.yaml', { env: {} });
    expect(server).toMatchObject({
      maxBodyBytes: 32 * 1024 * 1024,
      maxInflightBodyBytes: 128 * 1024 * 1024,
      maxMessages: 10_000,
      maxJsonDepth: 64,
      maxConnections: undefined,
      headersTimeoutMs: 15_000,
      requestTimeoutMs: 120_000,
      keepAliveTimeoutMs: 65_000,
    });
  });

  it('reads sizes and numbers', () => {
    const { server } = parseConfig(`${BASE}server: { max_inflight_body_size: 1gb, max_connections: 2000, max_messages: 100 }\n`, 'switchyard.yaml', { env: {} });
    expect(server).toMatchObject({ maxInflightBodyBytes: 1024 ** 3, maxConnections: 2000, maxMessages: 100 });
  });

  it('refuses an in-flight bound smaller than one body, and a header timeout past the request timeout, naming the line', () => {
    const issues = issuesOf(`${BASE}server:
  max_body_size: 64mb
  max_inflight_body_size: 32mb
  headers_timeout_ms: 30000
  request_timeout_ms: 10000
`);
    expect(issues).toEqual([
      expect.objectContaining({ path: 'server.max_inflight_body_size', line: 8, message: expect.stringContaining('expected at least server.max_body_size (67108864 bytes)') }),
      expect.objectContaining({ path: 'server.headers_timeout_ms', line: 9, message: expect.stringContaining('expected at most server.request_timeout_ms (10000)') }),
    ]);
  });

  it('refuses a depth too small for a chat request', () => {
    expect(issuesOf(`${BASE}server: { max_json_depth: 3 }\n`)).toEqual([expect.objectContaining({ path: 'server.max_json_depth', message: expect.stringContaining('at least 8') })]);
  });
});
