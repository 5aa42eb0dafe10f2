import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { configure, migrate, MIGRATIONS } from '../telemetry/trace-store-schema.js';
import { hashKeySecret } from './key-secret.js';
import { SqliteKeyStore } from './sqlite-key-store.js';
import { keyState } from './virtual-key.js';

function openStore(dir = mkdtempSync(join(tmpdir(), 'switchyard-keys-'))): { dir: string; db: Database.Database; store: SqliteKeyStore } {
  const path = join(dir, 'traces.db');
  const db = new Database(path);
  configure(db);
  migrate(db, path);
  return { dir, db, store: new SqliteKeyStore(db) };
}

/** Every byte of the database's files (the main file, the WAL and its index). */
function storedBytes(dir: string): string {
  return readdirSync(dir)
    .map((file) => readFileSync(join(dir, file)).toString('latin1'))
    .join('');
}

describe('SqliteKeyStore', () => {
  it('creates a random sk-swy- key, finds it by its secret, and stores only its hash', () => {
    const { dir, db, store } = openStore();
    const { key, secret } = store.create({ name: 'billing-app', team: 'billing', routers: ['auto'], metadata: { owner: 'ana' }, limits: { budget: { usd: 25, period: 'month' }, rpm: 60, tpm: 10_000, maxConcurrent: 4 } }, 1_000);
    const other = store.create({ name: 'search-app' }, 2_000);
    expect(secret).toMatch(/^sk-swy-[A-Za-z0-9_-]{32}$/);
    expect(other.secret).not.toBe(secret);
    expect(key.id).toMatch(/^key_[0-9a-f]{16}$/);
    expect(key.prefix).toBe(`${secret.slice(0, 11)}…`);
    expect(store.findBySecret(secret)).toEqual(key);
    expect(store.findBySecret(`${secret}x`)).toBeUndefined();
    expect(store.get(key.id)).toEqual({
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
      limits: { budget: { usd: 25, period: 'month' }, rpm: 60, tpm: 10_000, maxConcurrent: 4 },
      requireGuard: false,
    });
    expect(store.list().map(({ id }) => id)).toEqual([key.id, other.key.id]);
    expect(store.list({ team: 'billing' }).map(({ id }) => id)).toEqual([key.id]);
    db.pragma('wal_checkpoint(FULL)');
    const bytes = storedBytes(dir);
    expect(bytes).toContain(hashKeySecret(secret));
    expect(bytes).not.toContain(secret);
    expect(bytes).not.toContain(secret.slice(11));
    expect(bytes).not.toContain(other.secret);
    db.close();
  });

  it('rotates a key: same id and record, the old secret no longer matches', () => {
    const { db, store } = openStore();
    const { key, secret } = store.create({ name: 'app', team: 't' }, 1_000);
    const rotated = store.rotate(key.id, 5_000);
    expect(rotated?.key).toEqual({ ...key, prefix: `${rotated?.secret.slice(0, 11)}…`, updatedAt: 5_000 });
    expect(rotated?.secret).not.toBe(secret);
    expect(store.findBySecret(secret)).toBeUndefined();
    expect(store.findBySecret(rotated?.secret ?? '')?.id).toBe(key.id);
    expect(store.rotate('key_missing')).toBeUndefined();
    db.close();
  });

  it('revokes for good and expires at expires_at', () => {
    const { db, store } = openStore();
    const { key, secret } = store.create({ name: 'app', expiresAt: 10_000 }, 1_000);
    expect(keyState(key, 9_999)).toBe('active');
    expect(keyState(key, 10_000)).toBe('expired');
    expect(store.revoke(key.id, 3_000)?.revokedAt).toBe(3_000);
    expect(store.revoke(key.id, 4_000)?.revokedAt).toBe(3_000);
    const found = store.findBySecret(secret);
    expect(found === undefined ? undefined : keyState(found, 2_000)).toBe('revoked');
    expect(store.revoke('key_missing')).toBeUndefined();
    db.close();
  });

  it('updates the named fields, clears those set to null, keeps the rest', () => {
    const { db, store } = openStore();
    const { key } = store.create({ name: 'app', team: 'a', models: ['m1'], limits: { rpm: 10, tpm: 100 } }, 1_000);
    const updated = store.update(key.id, { team: null, routers: ['auto', 'cheap'], limits: { rpm: 20, tpm: null, budget: { usd: 1.5, period: 'day' } } }, 2_000);
    expect(updated).toEqual({ ...key, team: undefined, routers: ['auto', 'cheap'], updatedAt: 2_000, limits: { rpm: 20, budget: { usd: 1.5, period: 'day' } } });
    expect(store.get(key.id)).toEqual(updated);
    expect(store.update('key_missing', { name: 'x' })).toBeUndefined();
    db.close();
  });

  it('stores whether a key requires a guard: set at create, kept by other updates, cleared by null, read back after a reopen', () => {
    const first = openStore();
    const { key } = first.store.create({ name: 'guarded', requireGuard: true }, 1_000);
    const plain = first.store.create({ name: 'plain' }, 1_000).key;
    expect(key.requireGuard).toBe(true);
    expect(first.store.update(key.id, { name: 'renamed' }, 2_000)?.requireGuard).toBe(true);
    first.db.close();
    const second = openStore(first.dir);
    expect(second.store.get(key.id)?.requireGuard).toBe(true);
    expect(second.store.get(plain.id)?.requireGuard).toBe(false);
    expect(second.store.update(key.id, { requireGuard: null }, 3_000)?.requireGuard).toBe(false);
    expect(second.store.get(key.id)?.requireGuard).toBe(false);
    expect(second.store.update(plain.id, { requireGuard: true }, 3_000)?.requireGuard).toBe(true);
    expect(second.store.get(plain.id)?.requireGuard).toBe(true);
    second.db.close();
  });

  it('gives the keys of a database written before migration 6 no guard requirement', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-keys-'));
    const path = join(dir, 'traces.db');
    const old = new Database(path);
    configure(old);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    for (const migration of MIGRATIONS.filter(({ version }) => version < 6)) {
      old.exec(migration.sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, 0)').run(migration.version);
    }
    old.prepare("INSERT INTO virtual_keys (id, secret_sha256, secret_prefix, name, created_at, updated_at, metadata_json) VALUES ('key_old', 'hash', 'sk-swy-Old…', 'old', 1, 1, '{}')").run();
    old.close();
    const { db, store } = openStore(dir);
    expect(store.get('key_old')?.requireGuard).toBe(false);
    db.close();
  });

  it('keeps the keys across a reopen of the database', () => {
    const first = openStore();
    const { key, secret } = first.store.create({ name: 'app' });
    first.db.close();
    const second = openStore(first.dir);
    expect(second.store.findBySecret(secret)).toEqual(key);
    second.db.close();
  });
});
