import type { Database } from 'better-sqlite3';
import type { SpendRecord } from './budget-ledger.js';
import { SPEND_KEEP_MS } from './budget-period.js';

/**
 * The settled spend of keys and teams still inside a budget period at `now`, from the trace store's
 * `spend` table (written with each trace: `telemetry/trace-store-schema.ts`, migration 5). Older
 * buckets are deleted first; at startup, so the request path never waits on it.
 */
export function loadSpend(db: Database, now: number): SpendRecord[] {
  const since = now - SPEND_KEEP_MS;
  db.prepare('DELETE FROM spend WHERE bucket_start < ?').run(since);
  const rows = db.prepare('SELECT scope, id, bucket_start AS bucketStart, micro_usd AS micros FROM spend WHERE bucket_start >= ?').all(since) as SpendRecord[];
  return rows;
}
