import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { exportCommand } from '../../src/cli/export-command.js';
import { parseConfig } from '../../src/config/load-config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { CachedKeyLookup } from '../../src/keys/cached-key-lookup.js';
import type { KeyView } from '../../src/keys/key-view.js';
import { SqliteKeyStore } from '../../src/keys/sqlite-key-store.js';
import { startServer, type RunningServer } from '../../src/server/create-server.js';
import type { Trace } from '../../src/spec/trace.js';
import { createLogSink } from '../../src/telemetry/log-sink.js';
import { SqliteTraceStore } from '../../src/telemetry/sqlite-trace-store.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { testConfig } from '../support/start-gateway.js';

/**
 * The admin API (`/admin/keys…`, admin keys only) and what each caller may see of the traces: a
 * virtual key its own, a static key those without a virtual key, the admin key all, by key and team.
 */

const STATIC_KEY = 'static-client-key';
const ADMIN_KEY = 'admin-secret-key';
/** Long: a revocation or rotation through the API must not wait for the cache to expire. */
const TTL_MS = 60_000;

let upstream: FakeUpstream;
let running: RunningServer;
let bare: RunningServer;
let dir: string;
const logLines: string[] = [];
/** Every secret the API handed out: none may be in the database files or the logs. */
const secrets: string[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), 'switchyard-admin-'));
  const path = join(dir, 'traces.db');
  const config = parseConfig(testConfig(upstream.url, `server:\n  api_keys: ["${STATIC_KEY}"]\n  admin_keys: ["\${ADMIN}"]\n  metrics_key_labels: true\nstorage:\n  path: "${path}"\n  store_prompts: true\n`), 'test.yaml', { env: { ADMIN: ADMIN_KEY } });
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  const store = SqliteTraceStore.open({ path, retention: config.storage.retention, batchMs: 5 });
  const gateway = await Gateway.create(config, { store, sinks: [createLogSink(logger)] });
  const keyStore = new SqliteKeyStore(store.db);
  running = await startServer(gateway, logger, { host: '127.0.0.1', port: 0, virtualKeys: new CachedKeyLookup((hash) => keyStore.findByHash(hash), TTL_MS), keyStore });
  // The same keys, but no key store given to the server: the admin API says it is not available.
  const bareGateway = await Gateway.create(parseConfig(testConfig(upstream.url, `server:\n  admin_keys: ["${ADMIN_KEY}"]\n`), 'test.yaml', { env: {} }));
  bare = await startServer(bareGateway, pino({ level: 'silent' }), { host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await bare.close();
  await running.close();
  await upstream.close();
});

type Answer = { status: number; body: Record<string, unknown> };

async function call(method: string, path: string, key: string | undefined, body?: unknown, headers: Record<string, string> = {}, server = running): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(key === undefined ? {} : { authorization: `Bearer ${key}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function createKey(fields: Record<string, unknown>): Promise<{ key: KeyView; secret: string }> {
  const created = await call('POST', '/admin/keys', ADMIN_KEY, fields);
  expect(created.status).toBe(201);
  const issued = created.body as { key: KeyView; secret: string };
  secrets.push(issued.secret);
  return issued;
}

const openai = (key: string): OpenAI => new OpenAI({ baseURL: `${running.url}/v1`, apiKey: key, maxRetries: 0 });

/** One request; its trace id. */
async function ask(key: string): Promise<string> {
  const { response } = await openai(key).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
  const id = response.headers.get('x-switchyard-trace-id');
  expect(id).toBeTruthy();
  return id ?? '';
}

const traceIds = (answer: Answer): string[] => (answer.body['data'] as Trace[]).map((trace) => trace.id).sort();

describe('traces, stats and feedback per caller', () => {
  let alice: { key: KeyView; secret: string };
  let bob: { key: KeyView; secret: string };
  const mine: Record<'alice' | 'bob' | 'static', string[]> = { alice: [], bob: [], static: [] };

  beforeAll(async () => {
    alice = await createKey({ name: 'alice-app', team: 'red' });
    bob = await createKey({ name: 'bob-app', team: 'blue' });
    mine.alice.push(await ask(alice.secret), await ask(alice.secret));
    mine.bob.push(await ask(bob.secret));
    mine.static.push(await ask(STATIC_KEY));
  });

  it('shows a key only its own traces, a static key only those without a virtual key, the admin key all', async () => {
    expect(traceIds(await call('GET', '/v1/traces', alice.secret))).toEqual([...mine.alice].sort());
    expect(traceIds(await call('GET', '/v1/traces', bob.secret))).toEqual(mine.bob);
    expect(traceIds(await call('GET', '/v1/traces', STATIC_KEY))).toEqual(mine.static);
    expect(traceIds(await call('GET', '/v1/traces', ADMIN_KEY))).toEqual([...mine.alice, ...mine.bob, ...mine.static].sort());
    const own = (await call('GET', '/v1/traces', alice.secret)).body['data'] as Trace[];
    expect(own[0]?.caller).toEqual({ keyId: alice.key.id, keyName: 'alice-app', team: 'red' });
  });

  it('lets the admin key filter by key and by team, traces and stats', async () => {
    expect(traceIds(await call('GET', `/v1/traces?key=${alice.key.id}`, ADMIN_KEY))).toEqual([...mine.alice].sort());
    expect(traceIds(await call('GET', '/v1/traces?team=blue', ADMIN_KEY))).toEqual(mine.bob);
    expect((await call('GET', '/v1/stats?team=red', ADMIN_KEY)).body['requests']).toBe(2);
    expect((await call('GET', '/v1/stats', ADMIN_KEY)).body['requests']).toBe(4);
  });

  it('gives a key the stats of its own traces only', async () => {
    expect((await call('GET', '/v1/stats', alice.secret)).body['requests']).toBe(2);
    expect((await call('GET', '/v1/stats', bob.secret)).body['requests']).toBe(1);
    expect((await call('GET', '/v1/stats', STATIC_KEY)).body['requests']).toBe(1);
  });

  it('answers another key’s trace by id exactly like an unknown id: 404, nothing revealed', async () => {
    const [bobTrace] = mine.bob;
    const stolen = await call('GET', `/v1/traces/${bobTrace}`, alice.secret);
    const unknown = await call('GET', '/v1/traces/no-such-trace', alice.secret);
    expect(stolen.status).toBe(404);
    expect(stolen.body).toEqual(JSON.parse(JSON.stringify(unknown.body).replace('no-such-trace', bobTrace ?? '')));
    expect((await call('GET', `/v1/traces/${bobTrace}`, STATIC_KEY)).status).toBe(404);
    expect((await call('GET', `/v1/traces/${mine.static[0]}`, alice.secret)).status).toBe(404);
    expect((await call('GET', `/v1/traces/${bobTrace}`, bob.secret)).status).toBe(200);
    expect((await call('GET', `/v1/traces/${bobTrace}`, ADMIN_KEY)).status).toBe(200);
  });

  it('refuses feedback on another key’s trace with the 404 of an unknown one, and takes it on its own', async () => {
    const stolen = await call('POST', '/v1/feedback', alice.secret, { trace_id: mine.bob[0], score: 0 });
    expect(stolen.status).toBe(404);
    expect(stolen.body['error']).toMatchObject({ code: 'trace_not_found', param: 'trace_id' });
    expect((await call('POST', '/v1/feedback', alice.secret, { trace_id: mine.alice[0], score: 1 })).status).toBe(201);
    expect((await call('GET', `/v1/traces/${mine.bob[0]}`, ADMIN_KEY)).body['feedback']).toEqual([]);
  });

  it('refuses a filter for someone else’s traces with 403 admin_only, and takes a key’s own', async () => {
    for (const [path, key] of [
      [`/v1/traces?key=${bob.key.id}`, alice.secret],
      ['/v1/traces?team=blue', alice.secret],
      [`/v1/stats?key=${bob.key.id}`, alice.secret],
      [`/v1/traces?key=${alice.key.id}`, STATIC_KEY],
    ] as const) {
      const refused = await call('GET', path, key);
      expect(refused.status, path).toBe(403);
      expect(refused.body['error']).toMatchObject({ type: 'invalid_request_error', code: 'admin_only' });
    }
    expect(traceIds(await call('GET', `/v1/traces?key=${alice.key.id}&team=red`, alice.secret))).toEqual([...mine.alice].sort());
  });

  it('exports one key’s or one team’s scored traces with switchyard export --key / --team', async () => {
    expect((await call('POST', '/v1/feedback', ADMIN_KEY, { trace_id: mine.bob[0], score: 0.5 })).status).toBe(201);
    const exported = async (args: string[]): Promise<string[]> => {
      let out = '';
      const io: CliIo = { out: (text) => (out += `${text}\n`), err: () => undefined, env: {}, cwd: dir };
      expect(await exportCommand(['--format', 'jsonl', '--db', join(dir, 'traces.db'), ...args], io)).toBe(0);
      return out.trim() === '' ? [] : out.trim().split('\n').map((line) => (JSON.parse(line) as { id: string }).id);
    };
    expect(await exported(['--key', alice.key.id])).toEqual([mine.alice[0]]);
    expect(await exported(['--team', 'blue'])).toEqual(mine.bob);
    expect((await exported([])).sort()).toEqual([mine.alice[0], mine.bob[0]].sort());
  });
});

describe('the admin API', () => {
  it('creates, shows, lists by team, updates (null clears) a key, with the CLI’s views', async () => {
    const { key, secret } = await createKey({ name: 'svc', team: 'ops', budget: '25/month', rpm: 60, routers: ['auto'], expires_at: '2099-01-01T00:00:00Z', metadata: { owner: 'ana' } });
    expect(secret).toMatch(/^sk-swy-/);
    expect(key).toMatchObject({ name: 'svc', team: 'ops', state: 'active', routers: ['auto'], models: null, expires_at: '2099-01-01T00:00:00.000Z', metadata: { owner: 'ana' } });
    expect(key.limits).toEqual({ budget: { usd: 25, period: 'month' }, rpm: 60, tpm: null, max_concurrent: null });
    const shown = await call('GET', `/admin/keys/${key.id}`, ADMIN_KEY);
    expect(shown.body).toEqual({ ...key, state: 'active' });
    expect(JSON.stringify(shown.body)).not.toContain(secret);
    const listed = await call('GET', '/admin/keys?team=ops', ADMIN_KEY);
    expect((listed.body['data'] as KeyView[]).map((view) => view.id)).toEqual([key.id]);
    const patched = await call('PATCH', `/admin/keys/${key.id}`, ADMIN_KEY, { rpm: null, tpm: 1000, team: null, expires_at: 4_102_444_800_000 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ team: null, expires_at: '2100-01-01T00:00:00.000Z', limits: { budget: { usd: 25, period: 'month' }, rpm: null, tpm: 1000 } });
    expect((await call('GET', '/admin/keys/key_nope', ADMIN_KEY)).status).toBe(404);
  });

  it('revokes a key (refused at once on this instance) and rotates one (old secret refused at once, new one works)', async () => {
    const doomed = await createKey({ name: 'doomed' });
    await ask(doomed.secret);
    const revoked = await call('POST', `/admin/keys/${doomed.key.id}/revoke`, ADMIN_KEY);
    expect(revoked.body).toMatchObject({ id: doomed.key.id, state: 'revoked' });
    await expect(ask(doomed.secret)).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    const turning = await createKey({ name: 'turning' });
    await ask(turning.secret);
    const rotated = await call('POST', `/admin/keys/${turning.key.id}/rotate`, ADMIN_KEY);
    expect(rotated.status).toBe(200);
    const fresh = rotated.body as { key: KeyView; secret: string };
    secrets.push(fresh.secret);
    expect(fresh.key.id).toBe(turning.key.id);
    expect(fresh.secret).not.toBe(turning.secret);
    await expect(ask(turning.secret)).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(ask(fresh.secret)).resolves.toBeTruthy();
  });

  it('keeps a key’s stored responses across a rotation, and from other keys', async () => {
    const owner = await createKey({ name: 'chatty' });
    const stranger = await createKey({ name: 'stranger' });
    const created = await openai(owner.secret).responses.create({ model: 'auto', input: 'remember me' });
    const rotated = (await call('POST', `/admin/keys/${owner.key.id}/rotate`, ADMIN_KEY)).body as { secret: string };
    secrets.push(rotated.secret);
    expect((await openai(rotated.secret).responses.retrieve(created.id)).id).toBe(created.id);
    await expect(openai(stranger.secret).responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(openai(STATIC_KEY).responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('rejects a bad body with a 400 naming the field', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ team: 'x' }, 'name', /name/],
      [{ name: 'x', budget: '25/fortnight' }, 'budget', /USD\/PERIOD/],
      [{ name: 'x', rmp: 5 }, 'rmp', /rpm/],
      [{ name: 'x', rpm: 0 }, 'rpm', /at least 1/],
      [{ name: 'x', expires_at: 'someday' }, 'expires_at', /ISO 8601/],
    ];
    for (const [body, param, message] of cases) {
      const refused = await call('POST', '/admin/keys', ADMIN_KEY, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body['error']).toMatchObject({ type: 'invalid_request_error', param });
      expect((refused.body['error'] as { message: string }).message).toMatch(message);
    }
    expect((await call('PATCH', '/admin/keys/key_nope', ADMIN_KEY, { name: null })).body['error']).toMatchObject({ param: 'name' });
    expect((await call('DELETE', '/admin/keys', ADMIN_KEY)).status).toBe(405);
  });

  it('takes admin keys only: 403 admin_only for a client key, in OpenAI’s and Anthropic’s shapes; 401 without a key', async () => {
    const client = await createKey({ name: 'client' });
    for (const key of [STATIC_KEY, client.secret]) {
      const refused = await call('GET', '/admin/keys', key);
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ error: { message: expect.stringContaining('admin key only'), type: 'invalid_request_error', param: null, code: 'admin_only' } });
    }
    const anthropic = await call('POST', '/admin/keys', undefined, { name: 'x' }, { 'x-api-key': STATIC_KEY, 'anthropic-version': '2023-06-01' });
    expect(anthropic.status).toBe(403);
    expect(anthropic.body).toMatchObject({ type: 'error', error: { type: 'permission_error', message: expect.stringContaining('admin key only') } });
    expect((await call('GET', '/admin/keys', undefined)).status).toBe(401);
  });

  it('says the admin API is not available when the server has no key store', async () => {
    const missing = await call('GET', '/admin/keys', ADMIN_KEY, undefined, {}, bare);
    expect(missing.status).toBe(404);
    expect((missing.body['error'] as { message: string }).message).toContain('without a key store');
    // Admin keys alone require a key of every client: no anonymous request goes through.
    expect((await call('GET', '/v1/models', undefined, undefined, {}, bare)).status).toBe(401);
  });

  it('never writes a secret to the database files or the logs, and logs the key id and team', async () => {
    // A read waits for the pending traces: the requests' rows are in the files read below.
    expect((await call('GET', '/v1/traces', ADMIN_KEY)).status).toBe(200);
    const stored = readdirSync(dir).map((file) => readFileSync(join(dir, file)).toString('latin1')).join('');
    const logs = logLines.join('');
    expect(secrets.length).toBeGreaterThan(5);
    for (const secret of [...secrets, ADMIN_KEY, STATIC_KEY]) {
      expect(stored).not.toContain(secret.slice(7));
      expect(logs).not.toContain(secret.slice(7));
    }
    expect(stored).toContain('alice-app');
    const requestLines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['msg'] === 'request' && line['team'] === 'red');
    expect(requestLines.length).toBe(2);
    expect(requestLines[0]?.['key_id']).toMatch(/^key_/);
  });

  it('labels the request metrics with the key name and team (server.metrics_key_labels), and nothing secret', async () => {
    const response = await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const text = await response.text();
    expect(text).toMatch(/switchyard_requests_total\{[^}]*key="alice-app",team="red"\} 2/);
    for (const secret of secrets) expect(text).not.toContain(secret.slice(7));
    const bareMetrics = await (await fetch(`${bare.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
    expect(bareMetrics).not.toContain('key="');
  });

  it('keeps /metrics from virtual keys (it shows every caller), and serves it to static keys', async () => {
    const { secret } = await createKey({ name: 'metrics-reader' });
    const refused = await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${secret}` } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('admin_only');
    expect((await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${STATIC_KEY}` } })).status).toBe(200);
  });
});
