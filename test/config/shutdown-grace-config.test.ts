import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';

const MODELS = `
providers:
  rehearsal: { type: mock }
models:
  cheap: { provider: rehearsal, price: { input: 1, output: 2 } }
`;

describe('server.shutdown_grace_ms', () => {
  it('defaults to 25 s, under the 30 s Kubernetes gives a pod before it kills it', () => {
    expect(parseConfig(MODELS, 'grace.yaml', { env: {} }).server.shutdownGraceMs).toBe(25_000);
  });

  it('takes 0 (cut at once) and any whole number of milliseconds', () => {
    expect(parseConfig(`server: { shutdown_grace_ms: 0 }\n${MODELS}`, 'grace.yaml', { env: {} }).server.shutdownGraceMs).toBe(0);
    expect(parseConfig(`server: { shutdown_grace_ms: 500 }\n${MODELS}`, 'grace.yaml', { env: {} }).server.shutdownGraceMs).toBe(500);
  });

  it('refuses a negative grace, with the file, line and key', () => {
    expect(() => parseConfig(`server: { shutdown_grace_ms: -1 }\n${MODELS}`, 'grace.yaml', { env: {} })).toThrow(/grace\.yaml:1:\d+: server\.shutdown_grace_ms/);
  });
});
