import type { Database } from 'better-sqlite3';
import type { StorageConfig } from '../config/resolved-config.js';
import type { BudgetAlert, BudgetLedger, SpendRecord } from '../keys/budget-ledger.js';
import type { BudgetClock } from '../keys/budget-period.js';
import type { KeyStore } from '../keys/key-store.js';
import { loadSpend } from '../keys/load-spend.js';
import { openBudgetLedger } from '../keys/open-budget-ledger.js';
import { SqliteKeyStore } from '../keys/sqlite-key-store.js';

export type ServeKeys = {
  store: KeyStore;
  /** Budgets from the spend stored with the traces of the periods still open. */
  budgets: BudgetLedger;
  /** That stored spend read again (every gateway's, as written since): what Redis is seeded with when it comes back. */
  storedSpend(): Promise<SpendRecord[]>;
  /** Ends the store's connections (PostgreSQL), so the process can exit. */
  close(): Promise<void>;
};

export type ServeKeysOptions = { clock: BudgetClock; onAlert: (alert: BudgetAlert) => void; onError: (message: string) => void };

/**
 * The virtual keys and budgets of `serve`: with `storage.postgres`, in that database (shared by
 * every gateway on it, which hears of each other's key changes at once); else in the SQLite trace
 * file (`sqlite()` is called only then).
 */
export async function openServeKeys(
  storage: StorageConfig,
  sqlite: () => Database,
  options: ServeKeysOptions,
): Promise<ServeKeys> {
  if (storage.postgres === undefined) {
    const db = sqlite();
    return { store: new SqliteKeyStore(db), budgets: openBudgetLedger(db, options.clock, options.onAlert), storedSpend: async () => loadSpend(db, Date.now()), close: async () => undefined };
  }
  // Loaded only here: a gateway without PostgreSQL never loads `pg` (memory, start time).
  const { openPostgresKeys } = await import('./open-postgres-keys.js');
  return openPostgresKeys(storage.postgres.url, options);
}
