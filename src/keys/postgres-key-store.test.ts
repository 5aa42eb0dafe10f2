import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postgresMissing, startPostgres, type PostgresServer } from '../../test/support/local-servers.js';
import { freshDatabase, queryDatabase } from '../../test/support/postgres-database.js';
import { StateUnavailableError } from '../errors/request-errors.js';
import { migratePostgres } from '../telemetry/postgres/postgres-migrate.js';
import { hashKeySecret } from './key-secret.js';
import { PostgresKeyStore, type PostgresKeyStoreOptions } from './postgres-key-store.js';
import { keyState } from './virtual-key.js';

/** Two stores on one database: two gateways. What one writes, the other must learn of without being asked. */

let server: PostgresServer;
const stores: PostgresKeyStore[] = [];
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});
afterAll(async () => {
  await server?.stop();
});

async function database(): Promise<string> {
  const url = await freshDatabase(server);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await migratePostgres(pool, 'test');
  await pool.end();
  return url;
}

async function open(url: string, options: Partial<PostgresKeyStoreOptions> = {}): Promise<PostgresKeyStore> {
  const store = await PostgresKeyStore.open({ url, ...options });
  stores.push(store);
  return store;
}

/** How long until `holds()` is true, polling every 10 ms; throws past `withinMs`. */
async function timeUntil(holds: () => boolean, withinMs: number): Promise<number> {
  const start = Date.now();
  while (!holds()) {
    if (Date.now() - start > withinMs) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - start;
}

const revokedAt = (store: PostgresKeyStore, secret: string): number | undefined => store.findByHash(hashKeySecret(secret))?.revokedAt;

describe.skipIf(postgresMissing !== undefined)('PostgresKeyStore across gateways', () => {
  it('tells another store of a create, a revocation and a rotation at once (LISTEN/NOTIFY)', async () => {
    const url = await database();
    const a = await open(url);
    // No periodic re-read within the test: only a notification can tell b.
    const b = await open(url, { refreshMs: 60_000 });
    const { key, secret } = await a.create({ name: 'app' });
    expect(await timeUntil(() => b.findByHash(hashKeySecret(secret)) !== undefined, 2_000)).toBeLessThan(1_000);
    expect(b.get(key.id)?.name).toBe('app');
    await a.revoke(key.id);
    expect(await timeUntil(() => revokedAt(b, secret) !== undefined, 2_000)).toBeLessThan(1_000);
    expect(b.hasActiveKeys()).toBe(false);
    const other = await a.create({ name: 'other' });
    const rotated = await a.rotate(other.key.id);
    expect(await timeUntil(() => b.findByHash(hashKeySecret(rotated?.secret ?? '')) !== undefined, 2_000)).toBeLessThan(1_000);
    expect(b.findByHash(hashKeySecret(other.secret))).toBeUndefined();
  });

  it('reads every key again every refreshMs: a change that notified nobody is seen within it', async () => {
    const url = await database();
    const a = await open(url);
    const b = await open(url, { refreshMs: 300 });
    const { key, secret } = await a.create({ name: 'app' });
    await timeUntil(() => b.findByHash(hashKeySecret(secret)) !== undefined, 2_000);
    // As an operator's UPDATE in psql would: no NOTIFY.
    await queryDatabase(url, 'UPDATE virtual_keys SET revoked_at = $1, updated_at = $1 WHERE id = $2', [Date.now(), key.id]);
    expect(await timeUntil(() => revokedAt(b, secret) !== undefined, 3_000)).toBeLessThan(1_500);
  });

  it('listens again after its connection is lost, and reads what it missed meanwhile', async () => {
    const url = await database();
    const a = await open(url);
    const b = await open(url, { refreshMs: 60_000 });
    const errors: string[] = [];
    const c = await open(url, { refreshMs: 60_000, onError: (message) => errors.push(message) });
    const first = await a.create({ name: 'first' });
    await timeUntil(() => c.findByHash(hashKeySecret(first.secret)) !== undefined, 2_000);
    const name = url.slice(url.lastIndexOf('/') + 1);
    await queryDatabase(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'switchyard-keys-listen' AND datname = $1", [name]);
    await timeUntil(() => errors.length > 0, 2_000);
    expect(errors[0]).toMatch(/the connection listening for key changes was lost .*reconnecting/);
    // Written while nobody listens: the notification is lost, the reconnection reads it.
    await a.revoke(first.key.id);
    await timeUntil(() => revokedAt(b, first.secret) !== undefined && revokedAt(c, first.secret) !== undefined, 5_000);
    const second = await a.create({ name: 'second' });
    expect(await timeUntil(() => c.findByHash(hashKeySecret(second.secret)) !== undefined, 2_000)).toBeLessThan(1_000);
  });

  it('answers from memory while PostgreSQL is down (an unknown secret too), refuses writes with state_unavailable, and catches up after', async () => {
    const url = await database();
    const a = await open(url);
    const errors: string[] = [];
    const b = await open(url, { refreshMs: 200, onError: (message) => errors.push(message) });
    const { key, secret } = await a.create({ name: 'app' });
    await timeUntil(() => b.findByHash(hashKeySecret(secret)) !== undefined, 2_000);
    await server.pause();
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(b.findByHash(hashKeySecret(secret))?.id).toBe(key.id);
      expect(b.findByHash(hashKeySecret('sk-swy-unknown'))).toBeUndefined();
      await expect(a.revoke(key.id)).rejects.toBeInstanceOf(StateUnavailableError);
      expect(errors.length).toBe(1);
    } finally {
      await server.start();
    }
    await a.revoke(key.id);
    await timeUntil(() => revokedAt(b, secret) !== undefined, 5_000);
    const found = b.findByHash(hashKeySecret(secret));
    expect(found && keyState(found, Date.now())).toBe('revoked');
  });
});
