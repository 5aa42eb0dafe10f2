import type { Logger } from 'pino';
import type { StorageConfig } from '../config/resolved-config.js';
import { StartupError } from '../errors/startup-error.js';
import type { PostgresTraceStore } from '../telemetry/postgres/postgres-trace-store.js';
import { redactedUrl } from '../telemetry/postgres/redacted-url.js';
import { SqliteTraceStore } from '../telemetry/sqlite-trace-store.js';

/**
 * `serve`'s trace store: with `storage.postgres`, that database (every gateway on it writes there,
 * and every reader sees all of them); else the SQLite file at `storage.path`. PostgreSQL must
 * answer at start (the schema is migrated then); later outages only hold traces in memory.
 */
export async function openTraceStore(storage: StorageConfig, logger: Logger): Promise<SqliteTraceStore | PostgresTraceStore> {
  if (storage.postgres === undefined) {
    return SqliteTraceStore.open({
      path: storage.path,
      retention: storage.retention,
      onError: (message) => logger.error({ path: storage.path }, `trace store: ${message}`),
    });
  }
  const where = redactedUrl(storage.postgres.url);
  try {
    // Loaded only here: a gateway without PostgreSQL never loads `pg` (memory, start time).
    const postgres = await import('../telemetry/postgres/postgres-trace-store.js');
    return await postgres.PostgresTraceStore.open({
      url: storage.postgres.url,
      retention: storage.retention,
      onError: (message) => logger.error({ postgres: where }, `trace store: ${message}`),
    });
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(`cannot open the trace store in PostgreSQL ${where} (storage.postgres.url): ${error instanceof Error ? error.message : String(error)}`, error);
  }
}
