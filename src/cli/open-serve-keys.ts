import type { Database } from 'better-sqlite3';
import type { StorageConfig } from '../config/resolved-config.js';
import { StartupError } from '../errors/startup-error.js';
import type { BudgetAlert, BudgetLedger, SpendRecord } from '../keys/budget-ledger.js';
import type { BudgetClock } from '../keys/budget-period.js';
import type { KeyStore } from '../keys/key-store.js';
import { loadPostgresSpend } from '../keys/load-postgres-spend.js';
import { loadSpend } from '../keys/load-spend.js';
import { openBudgetLedger } from '../keys/open-budget-ledger.js';
import { PostgresKeyStore } from '../keys/postgres-key-store.js';
import { SqliteKeyStore } from '../keys/sqlite-key-store.js';
import { migratePostgres } from '../telemetry/postgres/postgres-migrate.js';
import { postgresPool, redactedUrl } from '../telemetry/postgres/postgres-pool.js';

export type ServeKeys = {
  store: KeyStore;
  /** Budgets from the spend stored with the traces of the periods still open. */
  budgets: BudgetLedger;
  /** That stored spend read again (every gateway's, as written since): what Redis is seeded with when it comes back. */
  storedSpend(): Promise<SpendRecord[]>;
  /** Ends the store's connections (PostgreSQL), so the process can exit. */
  close(): Promise<void>;
};

/**
 * The virtual keys and budgets of `serve`: with `storage.postgres`, in that database (shared by
 * every gateway on it, which hears of each other's key changes at once); else in the SQLite trace
 * file (`sqlite()` is called only then).
 */
export async function openServeKeys(
  storage: StorageConfig,
  sqlite: () => Database,
  options: { clock: BudgetClock; onAlert: (alert: BudgetAlert) => void; onError: (message: string) => void },
): Promise<ServeKeys> {
  if (storage.postgres === undefined) {
    const db = sqlite();
    return { store: new SqliteKeyStore(db), budgets: openBudgetLedger(db, options.clock, options.onAlert), storedSpend: async () => loadSpend(db, Date.now()), close: async () => undefined };
  }
  const { url } = storage.postgres;
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
