import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { configErrorsOf } from '../support/config-errors-of.js';

/** Each provider type's entry: checked by the schema its definition in `providers/` supplies, resolved by its `resolve`. */
const providers = (entries: string): string => `providers:\n${entries}\nmodels: {}\n`;

describe('provider entries', () => {
  it('names every provider type of the registry when the type is unknown', () => {
    expect(configErrorsOf(providers('  x: { type: bedrock, api_key: "k" }')).issues).toMatchInlineSnapshot(`
      [
        {
          "column": 14,
          "line": 2,
          "message": "unsupported value "bedrock"; supported: "openai", "anthropic", "gemini", "mock"",
          "path": "providers.x.type",
        },
      ]
    `);
  });

  it("rejects a key of another type's entry, strictly", () => {
    expect(configErrorsOf(providers('  x: { type: mock, base_url: "https://api.example.com/v1" }')).issues).toMatchInlineSnapshot(`
      [
        {
          "column": 20,
          "line": 2,
          "message": "unknown key "base_url"; allowed keys: type, seed, latency_ms, chunk_delay_ms, reply, faults, script, retry, timeout, circuit_breaker",
          "path": "providers.x.base_url",
        },
      ]
    `);
  });

  it("checks a mock entry's latency range and fault rates", () => {
    const yaml = providers('  x:\n    type: mock\n    latency_ms: { min: 50, max: 10 }\n    faults: [{ kind: reset, rate: 0.7 }, { kind: malformed, rate: 0.4 }]');
    expect(configErrorsOf(yaml).issues).toMatchInlineSnapshot(`
      [
        {
          "column": 17,
          "line": 4,
          "message": "expected min <= max, found min 50 and max 10",
          "path": "providers.x.latency_ms",
        },
        {
          "column": 13,
          "line": 5,
          "message": "expected fault rates that add up to at most 1, found 1.1",
          "path": "providers.x.faults",
        },
      ]
    `);
  });

  it('rejects an empty base_url unless an unset variable disabled the provider', () => {
    expect(configErrorsOf(providers('  x: { type: openai, base_url: "" }')).issues).toMatchInlineSnapshot(`
      [
        {
          "column": 32,
          "line": 2,
          "message": "expected an http(s) URL such as https://api.openai.com/v1, found """,
          "path": "providers.x.base_url",
        },
      ]
    `);
    const config = parseConfig(providers('  x: { type: openai, base_url: "${X_URL}", max_response_size: 1kb }'), 'switchyard.yaml', { env: {} });
    expect(config.providers.get('x')).toMatchObject({ type: 'openai', baseUrl: '', disabled: { missingEnv: ['X_URL'] }, maxResponseBytes: 1024 });
  });

  it('resolves a mock entry to its settings', () => {
    const config = parseConfig(providers('  x: { type: mock, latency_ms: 5, script: [ok, { kind: reset }], retry: { max_attempts: 2 } }'), 'switchyard.yaml', { env: {} });
    expect(config.providers.get('x')).toMatchObject({ type: 'mock', seed: 1, latencyMs: { min: 5, max: 5 }, script: ['ok', { kind: 'reset' }], reliability: { retry: { maxAttempts: 2 } } });
  });
});
