import type pg from 'pg';
import { OverloadedError } from '../../errors/request-errors.js';
import type { Trace } from '../../spec/trace.js';
import type { StoredResponse } from '../response-store.js';
import { FEEDBACK_COLUMNS, FEEDBACK_INSERT_COLUMNS, feedbackInsertValues, feedbackOfInput, toFeedback, toStoredResponse, type FeedbackRow, type ResponseRow } from '../store-rows.js';
import { encodeCursor, scopeConditions, type TraceFilter, type TracePage, type TraceScope } from '../trace-filter.js';
import { traceListQuery } from '../trace-list-query.js';
import type { TraceStoreCounts } from '../trace-ledger.js';
import type { Feedback, FeedbackInput } from '../trace-queries.js';
import { traceColumns } from '../trace-row.js';
import { statsPlan, type StatsQuery, type TraceStats } from '../trace-stats.js';
import type { TraceStore } from '../trace-store.js';
import { isUnreachable } from './postgres-errors.js';
import { migratePostgres } from './postgres-migrate.js';
import { numbered, postgresPool } from './postgres-pool.js';
import { redactedUrl } from './redacted-url.js';
import { POSTGRES_RETENTION, POSTGRES_STATS } from './postgres-sql.js';
import { PostgresTraceWriter, type PostgresWriterOptions } from './postgres-trace-writer.js';

/** A read waits for the rows still held, but while PostgreSQL does not answer at most this long (as SQLite's `READ_WAIT_MS`). */
const READ_WAIT_MS = 200;
/** One gateway at a time applies retention; the others skip that round. */
const RETENTION_LOCK = 0x5357_5902;
const RETENTION_EVERY_MS = 60_000;
/** Traces `switchyard export` reads at once. */
const EXPORT_PAGE = 500;

export type PostgresTraceStoreOptions = {
  url: string;
  /** Undefined: a reader (`switchyard stats`, `export`) that applies none. */
  retention: { maxAgeMs: number; maxRows: number } | undefined;
  retentionEveryMs?: number | undefined;
} & PostgresWriterOptions;

/**
 * The trace store in PostgreSQL, for many gateways writing to one database: the same tables and
 * migrations as the SQLite store (`postgres-ddl.ts` renders them), the same reads, the same
 * counts. `record` only holds the row (`PostgresTraceWriter` writes it in batches); reads wait for
 * what is held, briefly when PostgreSQL does not answer, and are a prompt 503 when it cannot be reached.
 */
export class PostgresTraceStore implements TraceStore {
  private retentionTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly writer: PostgresTraceWriter,
    private readonly options: PostgresTraceStoreOptions,
  ) {}

  /** Connects, migrates (under an advisory lock: gateways started together take turns) and starts retention. */
  static async open(options: PostgresTraceStoreOptions): Promise<PostgresTraceStore> {
    const pool = postgresPool(options.url, { onError: options.onError });
    try {
      await migratePostgres(pool, redactedUrl(options.url));
    } catch (error) {
      await pool.end();
      throw error;
    }
    const store = new PostgresTraceStore(pool, new PostgresTraceWriter(pool, options), options);
    if (options.retention) {
      void store.retain();
      store.retentionTimer = setInterval(() => void store.retain(), options.retentionEveryMs ?? RETENTION_EVERY_MS).unref();
    }
    return store;
  }

  record(trace: Trace): void {
    this.writer.write(traceColumns(trace), JSON.stringify(trace));
  }

  putResponse(response: StoredResponse): void {
    this.writer.writeResponse([response.id, response.traceId, response.createdAt, response.owner ?? null], JSON.stringify(response.input), JSON.stringify(response.response));
  }

  counts(): TraceStoreCounts {
    return this.writer.counts();
  }

  /** As SQLite's: lets the current turn of the event loop finish (a gateway records right after the response), then waits for what is held. */
  async flush(waitMs?: number): Promise<boolean> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return this.writer.flush(waitMs);
  }

  async stats(range: StatsQuery): Promise<TraceStats> {
    await this.flush(READ_WAIT_MS);
    const plan = statsPlan(POSTGRES_STATS, range);
    let step = plan.next();
    while (!step.done) step = plan.next(await this.query(step.value.sql, step.value.params));
    return step.value;
  }

  async list(filter: TraceFilter): Promise<TracePage> {
    await this.flush(READ_WAIT_MS);
    const { sql, params } = traceListQuery(filter);
    const rows = (await this.query(numbered(sql), params)) as { trace_json: string }[];
    const traces = rows.slice(0, filter.limit).map((row) => JSON.parse(row.trace_json) as Trace);
    const last = traces[traces.length - 1];
    return { traces, next: rows.length > filter.limit && last ? encodeCursor(last) : undefined };
  }

  async get(id: string, scope: TraceScope = {}): Promise<{ trace: Trace; feedback: Feedback[] } | undefined> {
    await this.flush(READ_WAIT_MS);
    const scoped = scopeConditions(scope);
    const rows = (await this.query(numbered(['SELECT trace_json FROM traces WHERE id = ?', ...scoped.where].join(' AND ')), [id, ...scoped.params])) as { trace_json: string }[];
    const row = rows[0];
    return row ? { trace: JSON.parse(row.trace_json) as Trace, feedback: await this.feedbackOf(id) } : undefined;
  }

  async addFeedback(input: FeedbackInput, scope: TraceScope = {}): Promise<Feedback | undefined> {
    await this.flush(READ_WAIT_MS);
    const scoped = scopeConditions(scope);
    const exists = await this.query(numbered(['SELECT 1 FROM traces WHERE id = ?', ...scoped.where].join(' AND ')), [input.traceId, ...scoped.params]);
    if (exists.length === 0) return undefined;
    const feedback = feedbackOfInput(0, Date.now(), input);
    const rows = (await this.query(`INSERT INTO feedback (${FEEDBACK_INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, feedbackInsertValues(feedback))) as { id: number }[];
    return { ...feedback, id: rows[0]?.id ?? 0 };
  }

  /** Traces with their feedback, oldest first, for `switchyard export`: read a page at a time (keyset), with the page's feedback in one query. */
  async *withFeedback(range: { since?: number | undefined; until?: number | undefined } & TraceScope): AsyncGenerator<{ trace: Trace; feedback: Feedback[] }> {
    const scoped = scopeConditions(range, 't.');
    const where = ['EXISTS (SELECT 1 FROM feedback f WHERE f.trace_id = t.id)', 't.started_at >= ?', 't.started_at < ?', ...scoped.where, '(t.started_at, t.id) > (?, ?)'].join(' AND ');
    const sql = numbered(`SELECT t.id, t.started_at, t.trace_json FROM traces t WHERE ${where} ORDER BY t.started_at, t.id LIMIT ${EXPORT_PAGE}`);
    let after: [number, string] = [-1, ''];
    for (;;) {
      const rows = (await this.query(sql, [range.since ?? 0, range.until ?? Number.MAX_SAFE_INTEGER, ...scoped.params, ...after])) as { id: string; started_at: number; trace_json: string }[];
      const feedback = new Map<string, Feedback[]>();
      if (rows.length > 0) {
        const all = (await this.query(`SELECT ${FEEDBACK_COLUMNS} FROM feedback WHERE trace_id = ANY($1) ORDER BY id`, [rows.map((row) => row.id)])) as FeedbackRow[];
        for (const row of all) feedback.set(row.trace_id, [...(feedback.get(row.trace_id) ?? []), toFeedback(row)]);
      }
      for (const row of rows) yield { trace: JSON.parse(row.trace_json) as Trace, feedback: feedback.get(row.id) ?? [] };
      const last = rows[rows.length - 1];
      if (!last || rows.length < EXPORT_PAGE) return;
      after = [last.started_at, last.id];
    }
  }

  /** Read at once when written; else after what is held, which may hold it. Never past the retention age. */
  async getResponse(id: string, owner: string | undefined): Promise<StoredResponse | undefined> {
    const read = async (): Promise<ResponseRow | undefined> =>
      ((await this.query(`SELECT id, trace_id, created_at, owner, input_json, response_json FROM responses WHERE ${KEPT_RESPONSE}`, [id, owner ?? null, this.oldestKept()])) as ResponseRow[])[0];
    let row = await read();
    if (!row) {
      await this.flush(READ_WAIT_MS);
      row = await read();
    }
    return row && toStoredResponse(row);
  }

  async deleteResponse(id: string, owner: string | undefined): Promise<boolean> {
    await this.flush(READ_WAIT_MS);
    const rows = await this.query(`DELETE FROM responses WHERE ${KEPT_RESPONSE} RETURNING id`, [id, owner ?? null, this.oldestKept()]);
    return rows.length > 0;
  }

  /**
   * Deletes by age, then all but the newest rows, as the SQLite writer does; one gateway at a time
   * (the others skip the round), and a failure loses nothing but the round.
   */
  async retain(): Promise<void> {
    const retention = this.options.retention;
    if (!retention) return;
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query('BEGIN');
      const locked = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [RETENTION_LOCK]);
      if (locked.rows[0]?.locked === true) {
        const now = Date.now();
        await client.query(POSTGRES_RETENTION.byAge, [now - retention.maxAgeMs]);
        await client.query(POSTGRES_RETENTION.responsesByAge, [now - retention.maxAgeMs]);
        await client.query(POSTGRES_RETENTION.beyondCount, [retention.maxRows]);
        await client.query(POSTGRES_RETENTION.responsesBeyondCount, [retention.maxRows]);
      }
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      await client?.query('ROLLBACK').catch(() => undefined);
      client?.release(error instanceof Error ? error : true);
      this.options.onError?.(`retention failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async close(): Promise<void> {
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.writer.close();
    await this.pool.end();
  }

  private async feedbackOf(traceId: string): Promise<Feedback[]> {
    const rows = (await this.query(`SELECT ${FEEDBACK_COLUMNS} FROM feedback WHERE trace_id = $1 ORDER BY id`, [traceId])) as FeedbackRow[];
    return rows.map(toFeedback);
  }

  private oldestKept(): number {
    return this.options.retention ? Date.now() - this.options.retention.maxAgeMs : 0;
  }

  /** A read of the API: PostgreSQL out of reach is a prompt 503 to retry, not a 500. */
  private async query(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    try {
      return (await this.pool.query(sql, [...params])).rows as Record<string, unknown>[];
    } catch (error) {
      if (isUnreachable(error)) throw new OverloadedError('The trace store (PostgreSQL) cannot be reached; try again shortly.', 1_000);
      throw error;
    }
  }
}

/** A stored response by id, for its owner (NULL when the gateway has no keys), not past the retention age. */
const KEPT_RESPONSE = 'id = $1 AND owner IS NOT DISTINCT FROM $2 AND created_at >= $3';

