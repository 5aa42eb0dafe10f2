import { StartupError } from '../errors/startup-error.js';
import { loadPostgresSpend } from '../keys/load-postgres-spend.js';
import { openBudgetLedger } from '../keys/open-budget-ledger.js';
import { PostgresKeyStore } from '../keys/postgres-key-store.js';
import { migratePostgres } from '../telemetry/postgres/postgres-migrate.js';
import { postgresPool } from '../telemetry/postgres/postgres-pool.js';
import { redactedUrl } from '../telemetry/postgres/redacted-url.js';
import type { ServeKeys, ServeKeysOptions } from './open-serve-keys.js';

/** `openServeKeys` with `storage.postgres`: the keys and budgets in that database, shared by every gateway on it. */
export async function openPostgresKeys(url: string, options: ServeKeysOptions): Promise<ServeKeys> {
  // The trace store migrates the same database at its open; once more costs one query, and keys do not depend on the order.
  const pool = postgresPool(url, { max: 1, onError: options.onError });
  try {
    await migratePostgres(pool, redactedUrl(url));
  } catch (error) {
    throw error instanceof StartupError ? error : new StartupError(`cannot prepare the PostgreSQL database ${redactedUrl(url)}: ${error instanceof Error ? error.message : String(error)}`, error);
  } finally {
    await pool.end();
  }
  const store = await PostgresKeyStore.open({ url, onError: options.onError });
  try {
    const budgets = openBudgetLedger(await loadPostgresSpend(url, Date.now()), options.clock, options.onAlert);
    return { store, budgets, storedSpend: () => loadPostgresSpend(url, Date.now()), close: () => store.close() };
  } catch (error) {
    await store.close();
    throw error;
  }
}
