import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postgresMissing, startPostgres, type PostgresServer } from '../../test/support/local-servers.js';
import { freshDatabase } from '../../test/support/postgres-database.js';
import { migratePostgres } from '../telemetry/postgres/postgres-migrate.js';
import { configure, migrate } from '../telemetry/trace-store-schema.js';
import { hashKeySecret } from './key-secret.js';
import type { KeyStore } from './key-store.js';
import { PostgresKeyStore } from './postgres-key-store.js';
import { SqliteKeyStore } from './sqlite-key-store.js';
import { keyState } from './virtual-key.js';

/**
 * The KeyStore contract, the same cases on both stores (writes are awaited: sync on SQLite, async
 * on PostgreSQL). `stored` is every value of every `virtual_keys` row, as text: what a secret must
 * never be part of. `reopen` is a second store on the same data (another process).
 */
type Opened = { store: KeyStore; stored: () => Promise<string>; reopen: () => Promise<KeyStore> };

let server: PostgresServer | undefined;
const closers: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  if (postgresMissing === undefined) server = await startPostgres();
}, 60_000);
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
afterAll(async () => {
  await server?.stop();
});

const STORES: [string, () => Promise<Opened>][] = [
  [
    'SQLite',
    async () => {
      const db = new Database(':memory:');
      configure(db);
      migrate(db, ':memory:');
      closers.push(() => void db.close());
      return {
        store: new SqliteKeyStore(db),
        stored: async () => JSON.stringify(db.prepare('SELECT * FROM virtual_keys').all()),
        reopen: async () => new SqliteKeyStore(db),
      };
    },
  ],
];
if (postgresMissing === undefined) {
  STORES.push([
    'PostgreSQL',
    async () => {
      const url = await freshDatabase(server as PostgresServer);
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      await migratePostgres(pool, 'test');
      closers.push(() => pool.end());
      const open = async (): Promise<KeyStore> => {
        const store = await PostgresKeyStore.open({ url });
        closers.push(() => store.close());
        return store;
      };
      return {
        store: await open(),
        stored: async () => JSON.stringify((await pool.query('SELECT * FROM virtual_keys')).rows),
        reopen: open,
      };
    },
  ]);
}

describe.each(STORES)('KeyStore contract: %s', (_name, open) => {
  it('creates a random sk-swy- key, finds it by its hash, lists it, and stores only the hash', async () => {
    const { store, stored, reopen } = await open();
    const { key, secret } = await store.create({ name: 'billing-app', team: 'billing', routers: ['auto'], metadata: { owner: 'ana' }, limits: { budget: { usd: 25.5, period: 'month' }, rpm: 60, tpm: 10_000, maxConcurrent: 4 } }, 1_000);
    const other = await store.create({ name: 'search-app' }, 2_000);
    expect(secret).toMatch(/^sk-swy-[A-Za-z0-9_-]{32}$/);
    expect(other.secret).not.toBe(secret);
    expect(key.id).toMatch(/^key_[0-9a-f]{16}$/);
    expect(key.prefix).toBe(`${secret.slice(0, 11)}…`);
    const expected = {
      id: key.id,
      name: 'billing-app',
      team: 'billing',
      prefix: key.prefix,
      createdAt: 1_000,
      updatedAt: 1_000,
      expiresAt: undefined,
      revokedAt: undefined,
      routers: ['auto'],
      models: undefined,
      metadata: { owner: 'ana' },
      limits: { budget: { usd: 25.5, period: 'month' }, rpm: 60, tpm: 10_000, maxConcurrent: 4 },
      requireGuard: false,
    };
    expect(key).toEqual(expected);
    expect(store.findByHash(hashKeySecret(secret))).toEqual(expected);
    expect(store.findByHash(hashKeySecret(`${secret}x`))).toBeUndefined();
    expect(store.get(key.id)).toEqual(expected);
    expect(store.list().map(({ id }) => id)).toEqual([key.id, other.key.id]);
    expect(store.list({ team: 'billing' }).map(({ id }) => id)).toEqual([key.id]);
    const again = await reopen();
    expect(again.findByHash(hashKeySecret(secret))).toEqual(expected);
    expect(again.get(other.key.id)?.name).toBe('search-app');
    const bytes = await stored();
    expect(bytes).toContain(hashKeySecret(secret));
    expect(bytes).not.toContain(secret.slice(11));
    expect(bytes).not.toContain(other.secret.slice(11));
  });

  it('rotates a key: same id and record, the old secret no longer matches', async () => {
    const { store, stored } = await open();
    const { key, secret } = await store.create({ name: 'app', team: 't' }, 1_000);
    const rotated = await store.rotate(key.id, 5_000);
    expect(rotated?.key).toEqual({ ...key, prefix: `${rotated?.secret.slice(0, 11)}…`, updatedAt: 5_000 });
    expect(rotated?.secret).not.toBe(secret);
    expect(store.findByHash(hashKeySecret(secret))).toBeUndefined();
    expect(store.findByHash(hashKeySecret(rotated?.secret ?? ''))?.id).toBe(key.id);
    expect(await store.rotate('key_missing')).toBeUndefined();
    expect(await stored()).not.toContain(rotated?.secret.slice(11));
  });

  it('revokes for good (the first time stays), expires at expires_at, and says whether any key is active', async () => {
    const { store } = await open();
    expect(store.hasActiveKeys(2_000)).toBe(false);
    const { key, secret } = await store.create({ name: 'app', expiresAt: 10_000 }, 1_000);
    expect(store.hasActiveKeys(9_999)).toBe(true);
    expect(store.hasActiveKeys(10_000)).toBe(false);
    expect(keyState(key, 10_000)).toBe('expired');
    expect((await store.revoke(key.id, 3_000))?.revokedAt).toBe(3_000);
    expect((await store.revoke(key.id, 4_000))?.revokedAt).toBe(3_000);
    const found = store.findByHash(hashKeySecret(secret));
    expect(found === undefined ? undefined : keyState(found, 2_000)).toBe('revoked');
    expect(store.hasActiveKeys(2_000)).toBe(false);
    expect(await store.revoke('key_missing')).toBeUndefined();
  });

  it('updates the named fields, clears those set to null, keeps the rest; a guard requirement too', async () => {
    const { store, reopen } = await open();
    const { key } = await store.create({ name: 'app', team: 'a', models: ['m1'], limits: { rpm: 10, tpm: 100 } }, 1_000);
    const updated = await store.update(key.id, { team: null, routers: ['auto', 'cheap'], requireGuard: true, limits: { rpm: 20, tpm: null, budget: { usd: 1.5, period: 'day' } } }, 2_000);
    expect(updated).toEqual({ ...key, team: undefined, routers: ['auto', 'cheap'], requireGuard: true, updatedAt: 2_000, limits: { rpm: 20, budget: { usd: 1.5, period: 'day' } } });
    expect(store.get(key.id)).toEqual(updated);
    expect((await reopen()).get(key.id)).toEqual(updated);
    expect((await store.update(key.id, { name: 'renamed' }, 3_000))?.requireGuard).toBe(true);
    expect((await store.update(key.id, { requireGuard: null }, 4_000))?.requireGuard).toBe(false);
    expect(await store.update('key_missing', { name: 'x' })).toBeUndefined();
  });
});
