import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { CachedKeyLookup } from '../../src/keys/cached-key-lookup.js';
import { SqliteKeyStore } from '../../src/keys/sqlite-key-store.js';
import { startServer, type RunningServer } from '../../src/server/create-server.js';
import { createLogSink } from '../../src/telemetry/log-sink.js';
import { SqliteTraceStore } from '../../src/telemetry/sqlite-trace-store.js';
import { configure, migrate } from '../../src/telemetry/trace-store-schema.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { testConfig } from '../support/start-gateway.js';

/** Short here so the test is quick; `serve` uses KEY_CACHE_TTL_MS (5 s). */
const TTL_MS = 300;
const STATIC_KEY = 'static-gateway-key';

let upstream: FakeUpstream;
let running: RunningServer;
let dir: string;
let path: string;
/** The gateway's own key store (on the trace store's connection). */
let keys: SqliteKeyStore;
/** Another connection to the same file: the CLI or another instance sharing the store. */
let other: Database.Database;
let otherKeys: SqliteKeyStore;
const logLines: string[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), 'switchyard-vkeys-'));
  path = join(dir, 'traces.db');
  const config = parseConfig(testConfig(upstream.url, `server:\n  api_keys: ["${STATIC_KEY}"]\nstorage:\n  path: "${path}"\n`), 'test.yaml', { env: {} });
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  const store = SqliteTraceStore.open({ path, retention: config.storage.retention, batchMs: 5 });
  const gateway = await Gateway.create(config, { store, sinks: [createLogSink(logger)] });
  keys = new SqliteKeyStore(store.db);
  running = await startServer(gateway, logger, { host: '127.0.0.1', port: 0, virtualKeys: new CachedKeyLookup((hash) => keys.findByHash(hash), TTL_MS) });
  other = new Database(path);
  configure(other);
  migrate(other, path);
  otherKeys = new SqliteKeyStore(other);
});

afterAll(async () => {
  other.close();
  await running.close();
  await upstream.close();
});

const openai = (key: string): OpenAI => new OpenAI({ baseURL: `${running.url}/v1`, apiKey: key, maxRetries: 0 });
const anthropic = (key: string): Anthropic => new Anthropic({ baseURL: running.url, apiKey: key, maxRetries: 0 });
const ask = (key: string): Promise<unknown> => openai(key).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] });

/** Asks with `key` every 25 ms until the gateway refuses it; how long that took. */
async function timeUntilRefused(key: string, since: number): Promise<number> {
  for (;;) {
    try {
      await ask(key);
    } catch (error) {
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      return Date.now() - since;
    }
    if (Date.now() - since > TTL_MS + 5_000) throw new Error('the key was never refused');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('virtual keys at the edge', () => {
  it('accepts a virtual key from the OpenAI and Anthropic clients, keeps the static key, refuses an unknown one', async () => {
    const { secret } = otherKeys.create({ name: 'app', team: 'billing' });
    const completion = await openai(secret).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    const message = await anthropic(secret).messages.create({ model: 'auto', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] });
    expect(message.type).toBe('message');
    await expect(ask(STATIC_KEY)).resolves.toBeTruthy();
    await expect(ask('sk-swy-notakeyatall')).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(anthropic('sk-swy-notakeyatall').messages.create({ model: 'auto', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it('refuses a key revoked by another connection within the cache TTL', async () => {
    const { key, secret } = otherKeys.create({ name: 'to-revoke' });
    await ask(secret);
    const revokedAt = Date.now();
    otherKeys.revoke(key.id, revokedAt);
    // The TTL, plus a margin for a loaded machine.
    expect(await timeUntilRefused(secret, revokedAt)).toBeLessThan(TTL_MS + 1_500);
    await expect(ask(secret)).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('refuses an expired key, and a rotated key’s old secret while accepting the new one', async () => {
    const expiring = otherKeys.create({ name: 'expiring', expiresAt: Date.now() + 400 });
    await ask(expiring.secret);
    expect(await timeUntilRefused(expiring.secret, Date.now())).toBeLessThan(400 + 1_500);

    const { key, secret } = otherKeys.create({ name: 'to-rotate' });
    await ask(secret);
    const rotatedAt = Date.now();
    const rotated = otherKeys.rotate(key.id, rotatedAt);
    expect(await timeUntilRefused(secret, rotatedAt)).toBeLessThan(TTL_MS + 1_500);
    await expect(ask(rotated?.secret ?? '')).resolves.toBeTruthy();
  });

  it('never writes a secret to the logs or the database', async () => {
    const { secret } = otherKeys.create({ name: 'quiet' });
    await ask(secret);
    await expect(ask(`${secret}x`)).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    // A read waits for the pending traces: the requests' rows are in the files read below.
    expect((await fetch(`${running.url}/v1/traces`, { headers: { authorization: `Bearer ${STATIC_KEY}` } })).status).toBe(200);
    const stored = readdirSync(dir).map((file) => readFileSync(join(dir, file)).toString('latin1')).join('');
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('')).not.toContain(secret.slice(11));
    expect(stored).not.toContain(secret.slice(11));
    expect(stored).toContain('quiet');
  });
});
