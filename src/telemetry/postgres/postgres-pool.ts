import pg from 'pg';

/**
 * PostgreSQL returns BIGINT (COUNT, epoch ms) and NUMERIC (SUM of a BIGINT) as strings, for values
 * past 2^53; ours (epoch ms, counts, micro-dollars) stay far below it, and the code above reads
 * numbers as SQLite gives them.
 */
const NUMBERS = new Set([20, 1700]);
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    NUMBERS.has(oid) ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** Longest a query may take: a retention round over many rows stays well within it. */
const QUERY_TIMEOUT_MS = 30_000;

/**
 * The store's pool. A connection attempt gives up after `connectMs`, so a read while PostgreSQL is
 * down answers promptly; a connection broken by a restart is expected (the writer retries) and
 * must not crash the process.
 */
export function postgresPool(url: string, options: { max?: number; connectMs?: number; onError?: ((message: string) => void) | undefined } = {}): pg.Pool {
  // A server gone silent (a partition, no reset) fails a query after QUERY_TIMEOUT_MS rather than holding the writer and reads forever.
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 4, connectionTimeoutMillis: options.connectMs ?? 2_000, idleTimeoutMillis: 30_000, query_timeout: QUERY_TIMEOUT_MS, keepAlive: true, types });
  pool.on('error', (error) => options.onError?.(`an idle connection failed: ${error.message}`));
  // A connection checked out and between two queries (a transaction, retention) when the server goes
  // away emits `error` with no query to fail: unheard, that would end the process. Its next query fails instead.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** `?` placeholders (the SQL shared with SQLite) as PostgreSQL's `$1`, `$2`, … (no literal in that SQL holds a `?`). */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
