import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { configErrorsOf } from '../support/config-errors-of.js';

const MODELS = `
providers:
  rehearsal: { type: mock }
models:
  cheap: { provider: rehearsal, price: { input: 1, output: 2 } }
`;

describe('state: and storage.postgres', () => {
  it('keeps state in the process by default, with budgets failing closed and rate limits open', () => {
    const config = parseConfig(MODELS, 'switchyard.yaml', { env: {} });
    expect(config.state).toEqual({ redis: undefined, onFailure: { rateLimits: 'open', budgets: 'closed' } });
    expect(config.storage.postgres).toBeUndefined();
    const partial = parseConfig(`state:\n  on_failure: { rate_limits: closed }\n${MODELS}`, 'switchyard.yaml', { env: {} });
    expect(partial.state.onFailure).toEqual({ rateLimits: 'closed', budgets: 'closed' });
  });

  it('resolves Redis with its defaults, the failure modes as written, and a PostgreSQL store', () => {
    const yaml = `state:\n  redis: { url: "\${REDIS_URL}" }\n  on_failure: { rate_limits: closed, budgets: open }\nstorage:\n  postgres: { url: "\${DATABASE_URL}" }\n${MODELS}`;
    const config = parseConfig(yaml, 'switchyard.yaml', { env: { REDIS_URL: 'redis://10.0.0.5:6379', DATABASE_URL: 'postgres://app:pw@db/switchyard' } });
    expect(config.state).toEqual({ redis: { url: 'redis://10.0.0.5:6379', keyPrefix: 'switchyard:', timeoutMs: 100, leaseMs: 30_000 }, onFailure: { rateLimits: 'closed', budgets: 'open' } });
    expect(config.storage.postgres).toEqual({ url: 'postgres://app:pw@db/switchyard' });
  });

  it('names the file, line and key of a bad value, and never echoes a password', () => {
    const error = configErrorsOf(`state:\n  redis:\n    url: "redis//:hunter2@cache:6379"\n  on_failure: { budgets: maybe }\nstorage:\n  postgres: { url: "mysql://u:s3cret@db/x" }\n${MODELS}`);
    expect(error.message).toMatch(/switchyard\.yaml:3:\d+: state\.redis\.url: expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(error.message).toMatch(/switchyard\.yaml:4:\d+: state\.on_failure\.budgets: .*"open".*"closed"/);
    expect(error.message).toMatch(/switchyard\.yaml:6:\d+: storage\.postgres\.url: expected a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(error.message).not.toMatch(/hunter2|s3cret/);
  });

  it('refuses unknown keys under state', () => {
    expect(configErrorsOf(`state:\n  redis: { url: "redis://r:6379", prefix: x }\n${MODELS}`).message).toMatch(/switchyard\.yaml:2:\d+: state\.redis.*prefix/);
  });
});
