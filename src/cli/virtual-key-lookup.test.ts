import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteKeyStore } from '../keys/sqlite-key-store.js';
import { configure, migrate } from '../telemetry/trace-store-schema.js';
import { virtualKeyLookup } from './virtual-key-lookup.js';

function memoryStore(): SqliteKeyStore {
  const db = new Database(':memory:');
  configure(db);
  migrate(db, ':memory:');
  return new SqliteKeyStore(db);
}

const STATIC = { apiKeys: ['static'], adminKeys: [] };
const ADMIN_ONLY = { apiKeys: [], adminKeys: ['admin'] };
const NONE = { apiKeys: [], adminKeys: [] };

describe('virtualKeyLookup', () => {
  it('accepts virtual keys beside admin keys alone: every client then needs a key', () => {
    const store = memoryStore();
    const { lookup, warning } = virtualKeyLookup(store, ADMIN_ONLY);
    expect(warning).toBeUndefined();
    const { secret } = store.create({ name: 'app' });
    expect(lookup?.lookup(secret)?.name).toBe('app');
  });

  it('accepts virtual keys beside static keys, even those created after the start', () => {
    const store = memoryStore();
    const { lookup, warning } = virtualKeyLookup(store, STATIC);
    expect(warning).toBeUndefined();
    const { secret } = store.create({ name: 'later' });
    expect(lookup?.lookup(secret)?.name).toBe('later');
  });

  it('caches nothing of a store that keeps every key in memory (PostgreSQL): a revocation there counts at once', async () => {
    const cached = memoryStore();
    const inMemory = Object.assign(memoryStore(), { inMemory: true });
    for (const [store, refusedAtOnce] of [[cached, false], [inMemory, true]] as const) {
      const { lookup } = virtualKeyLookup(store, STATIC);
      const { key, secret } = store.create({ name: 'app' });
      expect(lookup?.lookup(secret)?.name).toBe('app');
      store.revoke(key.id);
      expect(lookup?.lookup(secret) === undefined).toBe(refusedAtOnce);
    }
  });

  it('checks no key without static keys, and warns only when active virtual keys would go unchecked', () => {
    const store = memoryStore();
    expect(virtualKeyLookup(store, NONE)).toEqual({ lookup: undefined, warning: undefined });
    const revoked = store.create({ name: 'old' });
    store.revoke(revoked.key.id);
    expect(virtualKeyLookup(store, NONE).warning).toBeUndefined();
    store.create({ name: 'app' });
    expect(virtualKeyLookup(store, NONE)).toEqual({ lookup: undefined, warning: expect.stringContaining('server.api_keys and server.admin_keys are empty, so no key is checked') });
  });
});
