import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { keysCommand } from '../../src/cli/keys-command.js';
import { KEY_CACHE_TTL_MS } from '../../src/keys/cached-key-lookup.js';
import { hashKeySecret } from '../../src/keys/key-secret.js';
import type { KeyView } from '../../src/keys/key-view.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { postgresMissing, startPostgres, type PostgresServer } from '../support/local-servers.js';
import { queryDatabase } from '../support/postgres-database.js';
import { spawnServe, type ServeProcess } from '../support/spawn-serve.js';
import { testConfig } from '../support/start-gateway.js';

/**
 * Two `switchyard serve` processes (the built `dist/`: `npx tsc -p tsconfig.build.json`) on one
 * PostgreSQL: a key made by the CLI or by one gateway's admin API works on the other at once, and a
 * revocation on one is refused by the other at once (NOTIFY), or within the 5 s re-read when the
 * change notified nobody.
 */

const STATIC_KEY = 'static-client-key';
const ADMIN_KEY = 'admin-secret-key';

let postgres: PostgresServer;
let upstream: FakeUpstream;
let dir: string;
let a: ServeProcess;
let b: ServeProcess;
/** Every secret handed out: none may be in the database or the logs. */
const secrets: string[] = [];

beforeAll(async () => {
  if (postgresMissing !== undefined) return;
  [postgres, upstream] = await Promise.all([startPostgres(), startFakeUpstream()]);
  dir = mkdtempSync(join(tmpdir(), 'switchyard-pgkeys-'));
  const config = (name: string): string => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, testConfig(upstream.url, `server:\n  api_keys: ["${STATIC_KEY}"]\n  admin_keys: ["${ADMIN_KEY}"]\nstorage:\n  path: "${join(dir, `${name}.db`)}"\n  postgres: { url: "${postgres.url}" }\n`));
    return file;
  };
  [a, b] = await Promise.all([spawnServe(config('a')), spawnServe(config('b'))]);
}, 60_000);

afterAll(async () => {
  for (const serve of [a, b]) {
    serve?.stop();
    await serve?.exited;
  }
  await upstream?.close();
  await postgres?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function ask(serve: ServeProcess, key: string): Promise<number> {
  return fetch(`${serve.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }),
  }).then(async (response) => {
    await response.arrayBuffer();
    return response.status;
  });
}

async function admin(serve: ServeProcess, method: string, path: string, body?: unknown): Promise<{ key: KeyView; secret?: string }> {
  const response = await fetch(`${serve.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const json = (await response.json()) as { key?: KeyView; secret?: string } & KeyView;
  expect(response.status).toBeLessThan(300);
  if (json.secret !== undefined) secrets.push(json.secret);
  return json.key === undefined ? { key: json } : { key: json.key, ...(json.secret === undefined ? {} : { secret: json.secret }) };
}

/** `switchyard keys …` in-process, on the database given by `--postgres` (or, with `--config`, the config's storage.postgres). */
async function cli(args: string[]): Promise<string> {
  let out = '';
  const io: CliIo = { out: (text) => (out += `${text}\n`), err: (text) => (out += `${text}\n`), env: {}, cwd: dir };
  const where = args.includes('--config') ? [] : ['--postgres', postgres.url];
  expect(await keysCommand([...args, ...where, '--json'], io), out).toBe(0);
  return out;
}

/** Asks `serve` with `key` until it answers `status`; how long that took. */
async function timeUntilStatus(serve: ServeProcess, key: string, status: number, withinMs: number): Promise<number> {
  const start = Date.now();
  while ((await ask(serve, key)) !== status) {
    if (Date.now() - start > withinMs) throw new Error(`${serve.url} did not answer ${status} within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - start;
}

describe.skipIf(postgresMissing !== undefined)('virtual keys in PostgreSQL, two gateways', () => {
  it('a key created with the CLI works on both gateways at once; rotated with the CLI, the old secret is refused by both at once', async () => {
    const issued = JSON.parse(await cli(['create', '--name', 'cli-app', '--team', 'billing'])) as KeyView & { secret: string };
    secrets.push(issued.secret);
    expect(await ask(a, issued.secret)).toBe(200);
    expect(await ask(b, issued.secret)).toBe(200);
    expect(await ask(b, 'sk-swy-unknown')).toBe(401);
    const rotated = JSON.parse(await cli(['rotate', issued.id])) as KeyView & { secret: string };
    secrets.push(rotated.secret);
    for (const serve of [a, b]) {
      expect(await timeUntilStatus(serve, issued.secret, 401, 3_000)).toBeLessThan(1_000);
      expect(await ask(serve, rotated.secret)).toBe(200);
    }
    const listed = JSON.parse(await cli(['list', '--team', 'billing', '--config', join(dir, 'b.yaml')])) as KeyView[];
    expect(listed.map(({ id, name }) => ({ id, name }))).toEqual([{ id: issued.id, name: 'cli-app' }]);
  });

  it('a key created through the admin API of A works on B at once; revoked on A, B refuses it well under a second later', async () => {
    const { key, secret } = await admin(a, 'POST', '/admin/keys', { name: 'api-app' });
    expect(await timeUntilStatus(b, secret ?? '', 200, 3_000)).toBeLessThan(1_000);
    // B has the key in its lookup cache now: only the notification can make it refuse within the second.
    expect(await ask(b, secret ?? '')).toBe(200);
    const revokedAt = Date.now();
    expect((await admin(a, 'POST', `/admin/keys/${key.id}/revoke`)).key.state).toBe('revoked');
    expect(await ask(a, secret ?? '')).toBe(401);
    expect(await timeUntilStatus(b, secret ?? '', 401, 3_000)).toBeLessThan(1_000);
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
    expect((await admin(b, 'GET', `/admin/keys/${key.id}`)).key.state).toBe('revoked');
  });

  it('a revocation that notified nobody (an UPDATE by hand) is refused by both within the 5 s re-read', async () => {
    const { key, secret } = await admin(b, 'POST', '/admin/keys', { name: 'quiet-app' });
    await timeUntilStatus(a, secret ?? '', 200, 3_000);
    expect(await ask(b, secret ?? '')).toBe(200);
    const revokedAt = Date.now();
    await queryDatabase(postgres.url, 'UPDATE virtual_keys SET revoked_at = $1, updated_at = $1 WHERE id = $2', [revokedAt, key.id]);
    for (const serve of [a, b]) await timeUntilStatus(serve, secret ?? '', 401, KEY_CACHE_TTL_MS + 3_000);
    // The re-read's period, plus a margin for a loaded machine.
    expect(Date.now() - revokedAt).toBeLessThan(KEY_CACHE_TTL_MS + 1_500);
  });

  it('a gateway starting on the database counts the spend other gateways stored: a key past its budget is refused there', async () => {
    const issued = JSON.parse(await cli(['create', '--name', 'spender', '--budget', '1/day'])) as KeyView & { secret: string };
    secrets.push(issued.secret);
    const now = Date.now();
    // What a gateway's trace writer adds with each keyed trace: $1.50 in this 15-minute bucket.
    await queryDatabase(postgres.url, 'INSERT INTO spend (scope, id, bucket_start, micro_usd) VALUES ($1, $2, $3, $4)', ['key', issued.id, now - (now % 900_000), 1_500_000]);
    const c = await spawnServe(join(dir, 'a.yaml'));
    try {
      expect(await ask(c, issued.secret)).toBe(429);
      expect(await ask(c, STATIC_KEY)).toBe(200);
    } finally {
      c.stop();
      await c.exited;
    }
  });

  it('stores only the SHA-256 of each secret, and no log line holds one', async () => {
    const stored = JSON.stringify(await queryDatabase(postgres.url, 'SELECT * FROM virtual_keys'));
    const logs = [...a.lines, ...b.lines].map((line) => JSON.stringify(line)).join('\n');
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    for (const secret of secrets) {
      const tail = secret.slice(11);
      expect(stored).not.toContain(tail);
      expect(logs).not.toContain(tail);
    }
    expect(stored).toContain(hashKeySecret(secrets[secrets.length - 1] ?? ''));
  });
});
