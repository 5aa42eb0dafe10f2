import Database from 'better-sqlite3';
import { InternalError, OverloadedError } from '../errors/request-errors.js';
import type { Trace } from '../spec/trace.js';
import { checkVersion, configure, INSERT_RESPONSE, migrate, READ_BUSY_TIMEOUT_MS, RETENTION_SQL } from './trace-store-schema.js';
import { encodeCursor, scopeConditions, type TraceFilter, type TracePage, type TraceScope } from './trace-filter.js';
import { traceListQuery } from './trace-list-query.js';
import { TraceLedger, type TraceStoreCounts } from './trace-ledger.js';
import { INSERT_TRACE, traceColumns, traceRow } from './trace-row.js';
import { traceStats, type TraceStats } from './trace-stats.js';
import { TraceWriter, type TraceWriterOptions } from './trace-writer.js';
import type { Feedback, FeedbackInput } from './trace-queries.js';
import type { StoredResponse } from './response-store.js';
import { FEEDBACK_COLUMNS, FEEDBACK_INSERT_COLUMNS, feedbackInsertValues, feedbackOfInput, toFeedback, toStoredResponse, type FeedbackRow, type ResponseRow } from './store-rows.js';
import type { TraceStore } from './trace-store.js';

/**
 * A read (the API, stats) waits for the traces still being written, but once the writer is failing
 * (the database locked or full) at most this long, then reads what is there: a database locked by
 * another process must not hold `/v1/traces` for as long as the writer retries.
 */
export const READ_WAIT_MS = 200;

export type TraceStoreOptions = {
  path: string;
  retention: { maxAgeMs: number; maxRows: number };
  onError?: (message: string) => void;
} & Pick<TraceWriterOptions, 'batchMs' | 'retryMs' | 'closeWaitMs' | 'maxPendingBytes'>;

/**
 * The SQLite trace store: one row per request, written in batches by a worker thread (the
 * request path only queues the row), read here for the API, `stats` and `export`. Reads wait
 * for pending writes first (briefly when the writer is failing, `READ_WAIT_MS`), so a trace is
 * visible as soon as its request has ended. Every trace recorded is counted: written, pending or dropped by cause (`counts()`).
 */
export class SqliteTraceStore implements TraceStore {
  readonly db: Database.Database;
  private readonly writer: TraceWriter | undefined;
  /** Counts the traces of a store without a writer thread (in memory, or read-only). */
  private readonly ledger: TraceLedger;

  private constructor(
    db: Database.Database,
    writer: TraceWriter | undefined,
    private readonly retention: { maxAgeMs: number; maxRows: number } | undefined,
    /** Why traces cannot be written (the database is read-only); every one is dropped and counted. */
    private readonly readOnly: string | undefined = undefined,
    onError?: (message: string) => void,
  ) {
    this.db = db;
    this.writer = writer;
    this.ledger = new TraceLedger(onError);
  }

  /**
   * Opens (creating and migrating) the store for writing: what the gateway uses. `:memory:` keeps
   * traces for this process only. A database that cannot be written (a read-only file or mount)
   * still opens, so the gateway serves and old traces can be read: `onError` says so at once, and
   * every trace is counted as dropped (`read_only`).
   */
  static open(options: TraceStoreOptions): SqliteTraceStore {
    const db = prepared(new Database(options.path), options.path);
    db.pragma(`busy_timeout = ${READ_BUSY_TIMEOUT_MS}`);
    const readOnly = options.path === ':memory:' ? undefined : unwritable(db);
    if (readOnly !== undefined) {
      options.onError?.(`${options.path} cannot be written (${readOnly}): the gateway serves, but no trace will be stored; each is counted as dropped (cause read_only) in /metrics and /v1/stats`);
      return new SqliteTraceStore(db, undefined, options.retention, readOnly, options.onError);
    }
    // An in-memory database is private to its connection: the main connection writes it itself.
    const { path, retention, batchMs, retryMs, closeWaitMs, maxPendingBytes, onError } = options;
    const writer =
      path === ':memory:'
        ? undefined
        : new TraceWriter({ path, retention, batchMs, retryMs, closeWaitMs, maxPendingBytes, onError });
    return new SqliteTraceStore(db, writer, retention, undefined, onError);
  }

  /** Opens an existing store to read it (`switchyard stats`, `export`); migrations still apply. */
  static read(path: string): SqliteTraceStore {
    const db = prepared(new Database(path, { fileMustExist: true }), path);
    return new SqliteTraceStore(db, undefined, undefined);
  }

  record(trace: Trace): void {
    if (this.writer) this.writer.write(traceColumns(trace), JSON.stringify(trace));
    else if (this.readOnly !== undefined) this.ledger.dropNow('read_only', this.readOnly);
    else this.insert(traceRow(trace));
  }

  /** Queued with the traces (written at once in memory); a read waits for it like a trace's. A read-only store drops it. */
  putResponse(response: StoredResponse): void {
    const columns = [response.id, response.traceId, response.createdAt, response.owner ?? null] as const;
    const input = JSON.stringify(response.input);
    const body = JSON.stringify(response.response);
    if (this.writer) this.writer.writeResponse([...columns], input, body);
    else if (this.readOnly !== undefined) this.ledger.dropResponses(1, 'read_only', this.readOnly);
    else {
      try {
        this.db.prepare(INSERT_RESPONSE).run(...columns, input, body);
      } catch (error) {
        this.ledger.dropResponses(1, 'other', error instanceof Error ? error.message : String(error));
      }
    }
  }

  /**
   * Read at once when it is written (a follow-up usually comes well after its response); else after
   * the pending writes, which may hold it: a follow-up need not wait for every trace queued meanwhile.
   */
  async getResponse(id: string, owner: string | undefined): Promise<StoredResponse | undefined> {
    const sql = `SELECT id, trace_id, created_at, owner, input_json, response_json FROM responses WHERE ${KEPT_RESPONSE}`;
    const read = (): ResponseRow | undefined => reading(() => this.db.prepare(sql).get(id, owner ?? null, this.oldestKept()) as ResponseRow | undefined);
    let row = read();
    if (!row) {
      await this.flush(READ_WAIT_MS);
      row = read();
    }
    return row && toStoredResponse(row);
  }

  async deleteResponse(id: string, owner: string | undefined): Promise<boolean> {
    await this.flush(READ_WAIT_MS);
    const params = [id, owner ?? null, this.oldestKept()] as const;
    if (this.readOnly !== undefined) {
      if (!reading(() => this.db.prepare(`SELECT 1 FROM responses WHERE ${KEPT_RESPONSE}`).get(...params))) return false;
      throw new InternalError(`The trace store cannot be written (${this.readOnly}): the response cannot be deleted.`);
    }
    return reading(() => this.db.prepare(`DELETE FROM responses WHERE ${KEPT_RESPONSE}`).run(...params).changes > 0);
  }

  /**
   * The oldest creation time a stored response may have and still be served: retention deletes in
   * rounds (every minute), and an expired response must not answer in between.
   */
  private oldestKept(): number {
    return this.retention ? Date.now() - this.retention.maxAgeMs : 0;
  }

  /** What became of every trace recorded: written, pending, dropped by cause. */
  counts(): TraceStoreCounts {
    return this.writer?.counts() ?? this.ledger.counts();
  }

  /**
   * Writes what was recorded so far; true once it is all written or dropped, false when the writer
   * had been failing (retrying a locked or full database) for `waitMs` first. It first lets the
   * current turn of the event loop finish: a gateway hands its traces to the store right after
   * the response (`setImmediate`), so a read that follows a request sees its trace.
   */
  async flush(waitMs?: number): Promise<boolean> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return (await this.writer?.flush(waitMs)) ?? true;
  }

  /** What the routing did over a period (`/v1/stats`), from the stored traces. */
  async stats(range: Parameters<typeof traceStats>[1]): Promise<TraceStats> {
    await this.flush(READ_WAIT_MS);
    return reading(() => traceStats(this.db, range));
  }

  async list(filter: TraceFilter): Promise<TracePage> {
    await this.flush(READ_WAIT_MS);
    const { sql, params } = traceListQuery(filter);
    const rows = reading(() => this.db.prepare(sql).all(...params) as { trace_json: string }[]);
    const traces = rows.slice(0, filter.limit).map((row) => JSON.parse(row.trace_json) as Trace);
    const last = traces[traces.length - 1];
    return { traces, next: rows.length > filter.limit && last ? encodeCursor(last) : undefined };
  }

  /** A trace by id, when it is in `scope` (another key's trace is as absent as an unknown one). */
  async get(id: string, scope: TraceScope = {}): Promise<{ trace: Trace; feedback: Feedback[] } | undefined> {
    await this.flush(READ_WAIT_MS);
    const scoped = scopeConditions(scope);
    return reading(() => {
      const sql = ['SELECT trace_json FROM traces WHERE id = ?', ...scoped.where].join(' AND ');
      const row = this.db.prepare(sql).get(id, ...scoped.params) as { trace_json: string } | undefined;
      return row ? { trace: JSON.parse(row.trace_json) as Trace, feedback: this.feedbackOf(id) } : undefined;
    });
  }

  /** Adds feedback to a stored trace; undefined when there is no such trace in `scope`. */
  async addFeedback(input: FeedbackInput, scope: TraceScope = {}): Promise<Feedback | undefined> {
    await this.flush(READ_WAIT_MS);
    const scoped = scopeConditions(scope);
    const exists = reading(() => this.feedbackStatement(['SELECT 1 FROM traces WHERE id = ?', ...scoped.where].join(' AND ')).get(input.traceId, ...scoped.params));
    if (!exists) return undefined;
    if (this.readOnly !== undefined) throw new InternalError(`The trace store cannot be written (${this.readOnly}): feedback cannot be saved.`);
    const feedback = feedbackOfInput(0, Date.now(), input);
    const result = reading(() => this.feedbackStatement(`INSERT INTO feedback (${FEEDBACK_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...feedbackInsertValues(feedback)));
    return { ...feedback, id: Number(result.lastInsertRowid) };
  }

  /** Feedback's statements, prepared once: shadow evaluation adds two rows per judged answer (a prepare costs more than the insert). */
  private readonly feedbackStatements = new Map<string, Database.Statement>();
  private feedbackStatement(sql: string): Database.Statement {
    let statement = this.feedbackStatements.get(sql);
    if (!statement) this.feedbackStatements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  feedbackOf(traceId: string): Feedback[] {
    const rows = this.db.prepare(`SELECT ${FEEDBACK_COLUMNS} FROM feedback WHERE trace_id = ? ORDER BY id`).all(traceId) as FeedbackRow[];
    return rows.map(toFeedback);
  }

  /** Traces with their feedback, oldest first, for `switchyard export` (a key's or a team's with `--key`/`--team`). */
  *withFeedback(range: { since?: number | undefined; until?: number | undefined } & TraceScope): Generator<{ trace: Trace; feedback: Feedback[] }> {
    const scoped = scopeConditions(range, 't.');
    const rows = this.db
      .prepare(
        `SELECT DISTINCT t.id, t.trace_json FROM traces t JOIN feedback f ON f.trace_id = t.id
         WHERE ${['t.started_at >= ?', 't.started_at < ?', ...scoped.where].join(' AND ')} ORDER BY t.started_at, t.id`,
      )
      .iterate(range.since ?? 0, range.until ?? Number.MAX_SAFE_INTEGER, ...scoped.params) as Iterable<{ id: string; trace_json: string }>;
    for (const row of rows) yield { trace: JSON.parse(row.trace_json) as Trace, feedback: this.feedbackOf(row.id) };
  }

  async close(): Promise<void> {
    await this.writer?.close();
    this.ledger.reportNow();
    this.db.close();
  }

  private insertStatement: Database.Statement | undefined;

  /** Rows in an in-memory store, counted as they come, so trimming does not count the table each time. */
  private rows: number | undefined;

  /** An in-memory store writes on the main thread (no other connection can see it), and trims itself by 10% when over its limit. */
  private insert(row: ReturnType<typeof traceRow>): void {
    this.insertStatement ??= this.db.prepare(INSERT_TRACE);
    this.rows ??= this.count();
    try {
      this.insertStatement.run(row);
    } catch (error) {
      this.ledger.dropNow('other', error instanceof Error ? error.message : String(error));
      return;
    }
    this.ledger.writeNow();
    if (!this.retention || ++this.rows <= this.retention.maxRows * 1.1) return;
    const now = Date.now();
    this.db.prepare(RETENTION_SQL.byAge).run(now - this.retention.maxAgeMs);
    this.db.prepare(RETENTION_SQL.responsesByAge).run(now - this.retention.maxAgeMs);
    this.db.prepare(RETENTION_SQL.beyondCount).run(this.retention.maxRows);
    this.db.prepare(RETENTION_SQL.responsesBeyondCount).run(this.retention.maxRows);
    this.rows = this.count();
  }

  private count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM traces').get() as { n: number }).n;
  }
}

/**
 * Why the database cannot be written, or undefined when it can. SQLite opens a file it may not
 * write (permissions, an immutable file, a read-only mount) read-only without a word, and says so
 * only at the first write: this one writes the header inside a transaction it rolls back. A
 * database locked by another process is writable as far as it knows: the writer waits for it.
 */
function unwritable(db: Database.Database): string | undefined {
  const version = Number(db.pragma('user_version', { simple: true }));
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.pragma(`user_version = ${version}`);
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
    }
    return undefined;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_READONLY')) return (error as Error).message;
    if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) return undefined;
    throw error;
  }
}

/** Reads of the API: a database another process holds too long is a prompt 503, not a hang or a 500. */
function reading<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
      throw new OverloadedError('The trace store is locked by another connection; try again shortly.', 1_000);
    }
    throw error;
  }
}

/** Checks the version first (a newer database is left untouched), then configures and migrates; closes the connection on failure. */
function prepared(db: Database.Database, path: string): Database.Database {
  try {
    checkVersion(db, path);
    configure(db);
    migrate(db, path);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A stored response by id, for its owner (NULL when the gateway has no keys), not past the retention age. */
const KEPT_RESPONSE = 'id = ? AND owner IS ? AND created_at >= ?';

