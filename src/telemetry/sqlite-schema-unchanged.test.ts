import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { configure, migrate } from './trace-store-schema.js';

/**
 * The SQLite schema a fresh store gets, as `sqlite_master` holds it, compared with the one recorded
 * before the schema was also rendered for PostgreSQL: existing SQLite databases migrate exactly as before.
 */
describe('the SQLite trace store schema', () => {
  it('is the schema SQLite stores have always had', async () => {
    const db = new Database(':memory:');
    configure(db);
    migrate(db, ':memory:');
    const rows = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as { type: string; name: string; tbl_name: string; sql: string | null }[];
    db.close();
    await expect(rows.map((row) => `-- ${row.type} ${row.name} on ${row.tbl_name}\n${row.sql ?? ''}`).join('\n\n') + '\n').toMatchFileSnapshot('./__snapshots__/sqlite-schema.sql');
  });
});
