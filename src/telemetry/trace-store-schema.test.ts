import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteTraceStore } from './sqlite-trace-store.js';
import { MIGRATIONS, SCHEMA_VERSION } from './trace-store-schema.js';

describe('trace store schema', () => {
  it('leaves a database from a newer Switchyard untouched: not switched to WAL, not migrated', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'switchyard-schema-')), 'newer.db');
    const raw = new Database(path);
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    raw.prepare('INSERT INTO schema_migrations VALUES (?, ?)').run(SCHEMA_VERSION + 1, 0);
    raw.close();
    expect(() => SqliteTraceStore.open({ path, retention: { maxAgeMs: 1, maxRows: 1 } })).toThrow(`has schema version ${SCHEMA_VERSION + 1}, newer than this Switchyard's ${SCHEMA_VERSION}`);
    const after = new Database(path);
    expect(after.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(after.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'traces'").get()).toEqual({ n: 0 });
    after.close();
  });

  it('migrates a fresh database to the current version, in WAL mode', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'switchyard-schema-')), 'fresh.db');
    const store = SqliteTraceStore.open({ path, retention: { maxAgeMs: 86_400_000, maxRows: 10 } });
    const versions = store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
    expect(versions).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('page_size', { simple: true })).toBe(16384);
    return store.close();
  });
});
