import pg from 'pg';
import { StartupError } from '../errors/startup-error.js';
import type { SpendRecord } from './budget-ledger.js';
import { SPEND_KEEP_MS } from './budget-period.js';

/**
 * `loadSpend` on PostgreSQL's `spend` table (the same rows, written with each keyed trace by every
 * gateway on the database): one connection at startup, closed after, so the request path never
 * waits on it.
 */
export async function loadPostgresSpend(url: string, now: number): Promise<SpendRecord[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, application_name: 'switchyard-spend' });
  client.on('error', () => undefined);
  const since = now - SPEND_KEEP_MS;
  try {
    await client.connect();
    await client.query('DELETE FROM spend WHERE bucket_start < $1', [since]);
    const { rows } = await client.query<{ scope: SpendRecord['scope']; id: string; bucket_start: string | number; micro_usd: string | number }>(
      'SELECT scope, id, bucket_start, micro_usd FROM spend WHERE bucket_start >= $1',
      [since],
    );
    return rows.map((row) => ({ scope: row.scope, id: row.id, bucketStart: Number(row.bucket_start), micros: Number(row.micro_usd) }));
  } catch (error) {
    throw new StartupError(`cannot read the spend of open budget periods from PostgreSQL (storage.postgres.url): ${error instanceof Error ? error.message : String(error)}`, error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
