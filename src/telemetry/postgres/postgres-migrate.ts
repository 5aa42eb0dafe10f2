import type pg from 'pg';
import { StartupError } from '../../errors/startup-error.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../trace-store-schema.js';
import { postgresDdl } from './postgres-ddl.js';

/** The advisory lock migrations hold: gateways started together migrate one after the other. */
const MIGRATION_LOCK = 0x5357_5901;

/**
 * Brings the database to the current schema, as `trace-store-schema.ts#migrate` does a SQLite file:
 * the same migrations (rendered by `postgresDdl`), each in its own transaction, recorded in
 * `schema_migrations`; a database at a newer version is refused, untouched. `where` names the
 * database in that error (never with its password).
 */
export async function migratePostgres(pool: pg.Pool, where: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const current = await currentVersion(client);
      if (current > SCHEMA_VERSION) {
        throw new StartupError(`the trace store ${where} has schema version ${current}, newer than this Switchyard's ${SCHEMA_VERSION}; upgrade Switchyard or use another storage.postgres.url`);
      }
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)');
      for (const migration of MIGRATIONS) {
        if (migration.version <= current) continue;
        await client.query('BEGIN');
        try {
          await client.query(postgresDdl(migration.sql));
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [migration.version, Date.now()]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

async function currentVersion(client: pg.PoolClient): Promise<number> {
  const table = await client.query<{ name: string | null }>("SELECT to_regclass('schema_migrations')::text AS name");
  if (table.rows[0]?.name == null) return 0;
  const result = await client.query<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
  return result.rows[0]?.version ?? 0;
}
