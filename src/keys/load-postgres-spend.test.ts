import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresMissing, startPostgres, type PostgresServer } from '../../test/support/local-servers.js';
import { freshDatabase, queryDatabase } from '../../test/support/postgres-database.js';
import { StartupError } from '../errors/startup-error.js';
import { migratePostgres } from '../telemetry/postgres/postgres-migrate.js';
import { SPEND_BUCKET_MS } from './budget-period.js';
import { loadPostgresSpend } from './load-postgres-spend.js';
import { SPEND_KEEP_MS } from './budget-period.js';
import { openBudgetLedger } from './open-budget-ledger.js';

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe.skipIf(postgresMissing !== undefined)('loadPostgresSpend', () => {
  it('reads the spend of open periods from PostgreSQL, deletes older buckets, and a ledger opened on it counts them', async () => {
    const url = await freshDatabase(server);
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    await migratePostgres(pool, 'test');
    await pool.end();
    const now = Date.now();
    const bucket = now - (now % SPEND_BUCKET_MS);
    const old = bucket - SPEND_KEEP_MS - SPEND_BUCKET_MS;
    // As two gateways' writers leave them: rows of several buckets, a key's and its team's.
    await queryDatabase(url, 'INSERT INTO spend (scope, id, bucket_start, micro_usd) VALUES ($1, $2, $3, $4), ($5, $6, $7, $8), ($9, $10, $11, $12), ($13, $14, $15, $16)', [
      'key', 'key_a', bucket, 1_250_000,
      'key', 'key_a', bucket - SPEND_BUCKET_MS, 250_000,
      'team', 'red', bucket, 1_500_000,
      'key', 'key_a', old, 9_000_000,
    ]);
    const records = await loadPostgresSpend(url, now);
    expect(records.sort((x, y) => x.bucketStart - y.bucketStart || x.scope.localeCompare(y.scope))).toEqual([
      { scope: 'key', id: 'key_a', bucketStart: bucket - SPEND_BUCKET_MS, micros: 250_000 },
      { scope: 'key', id: 'key_a', bucketStart: bucket, micros: 1_250_000 },
      { scope: 'team', id: 'red', bucketStart: bucket, micros: 1_500_000 },
    ]);
    expect(await queryDatabase(url, 'SELECT 1 FROM spend WHERE bucket_start = $1', [old])).toEqual([]);
    const ledger = openBudgetLedger(records, { reset: 'rolling', timezone: 'UTC' });
    expect(ledger.spentMicros('key', 'key_a', 'day')).toBe(1_500_000);
    expect(ledger.spentMicros('team', 'red', 'day')).toBe(1_500_000);
  });

  it('fails to start, naming the setting and not the password, when PostgreSQL cannot be reached', async () => {
    const error = await loadPostgresSpend('postgres://postgres:hunter2-secret@127.0.0.1:1/postgres', Date.now()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toMatch(/^cannot read the spend of open budget periods from PostgreSQL \(storage\.postgres\.url\): /);
    expect((error as Error).message).not.toContain('hunter2');
  });
});
