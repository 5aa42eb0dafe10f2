import Database from 'better-sqlite3';
import type { Trace } from '../spec/trace.js';
import type { TraceSink } from '../spec/trace-sink.js';
import { checkVersion, configure, migrate, RETENTION_SQL } from './trace-store-schema.js';
import { decodeCursor, encodeCursor, type TraceFilter, type TracePage } from './trace-filter.js';
import { INSERT_TRACE, traceColumns, traceRow } from './trace-row.js';
import { TraceWriter } from './trace-writer.js';
import type { Feedback, FeedbackInput, TraceQueries } from './trace-queries.js';


export type TraceStoreOptions = {
  path: string;
  retention: { maxAgeMs: number; maxRows: number };
  onError?: (message: string) => void;
  /** Rows wait at most this long before they are written (default 50 ms). */
  batchMs?: number;
};

/**
 * The SQLite trace store: one row per request, written in batches by a worker thread (the
 * request path only queues the row), read here for the API, `stats` and `export`. Reads flush
 * pending writes first, so a trace is visible as soon as its request has ended.
 */
export class SqliteTraceStore implements TraceSink, TraceQueries {
  readonly db: Database.Database;
  private readonly writer: TraceWriter | undefined;

  private constructor(
    db: Database.Database,
    writer: TraceWriter | undefined,
    private readonly retention: { maxAgeMs: number; maxRows: number } | undefined,
  ) {
    this.db = db;
    this.writer = writer;
  }

  /** Opens (creating and migrating) the store for writing: what the gateway uses. `:memory:` keeps traces for this process only. */
  static open(options: TraceStoreOptions): SqliteTraceStore {
    const db = prepared(new Database(options.path), options.path);
    // An in-memory database is private to its connection: the main connection writes it itself.
    const writer = options.path === ':memory:' ? undefined : new TraceWriter({ path: options.path, retention: options.retention, ...(options.batchMs === undefined ? {} : { batchMs: options.batchMs }), ...(options.onError ? { onError: options.onError } : {}) });
    return new SqliteTraceStore(db, writer, options.retention);
  }

  /** Opens an existing store to read it (`switchyard stats`, `export`); migrations still apply. */
  static read(path: string): SqliteTraceStore {
    const db = prepared(new Database(path, { fileMustExist: true }), path);
    return new SqliteTraceStore(db, undefined, undefined);
  }

  record(trace: Trace): void {
    if (this.writer) this.writer.write(traceColumns(trace), JSON.stringify(trace));
    else this.insert(traceRow(trace));
  }

  /**
   * Writes what was recorded so far. It first lets the current turn of the event loop finish: a
   * gateway hands its traces to the store right after the response (`setImmediate`), so a read
   * that follows a request sees its trace.
   */
  async flush(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.writer?.flush();
  }

  async list(filter: TraceFilter): Promise<TracePage> {
    await this.flush();
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (sql: string, value: string | number | undefined): void => {
      if (value === undefined) return;
      where.push(sql);
      params.push(value);
    };
    add('router = ?', filter.router);
    add('route = ?', filter.route);
    add('model = ?', filter.model);
    add('status = ?', filter.status);
    add('started_at >= ?', filter.since);
    add('started_at < ?', filter.until);
    const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    if (after) {
      where.push('(started_at < ? OR (started_at = ? AND id < ?))');
      params.push(after.startedAt, after.startedAt, after.id);
    }
    const sql = `SELECT trace_json FROM traces ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, filter.limit + 1) as { trace_json: string }[];
    const traces = rows.slice(0, filter.limit).map((row) => JSON.parse(row.trace_json) as Trace);
    const last = traces[traces.length - 1];
    return { traces, next: rows.length > filter.limit && last ? encodeCursor(last) : undefined };
  }

  async get(id: string): Promise<{ trace: Trace; feedback: Feedback[] } | undefined> {
    await this.flush();
    const row = this.db.prepare('SELECT trace_json FROM traces WHERE id = ?').get(id) as { trace_json: string } | undefined;
    if (!row) return undefined;
    return { trace: JSON.parse(row.trace_json) as Trace, feedback: this.feedbackOf(id) };
  }

  /** Adds feedback to a stored trace; undefined when there is no such trace. */
  async addFeedback(input: FeedbackInput): Promise<Feedback | undefined> {
    await this.flush();
    const exists = this.db.prepare('SELECT 1 FROM traces WHERE id = ?').get(input.traceId);
    if (!exists) return undefined;
    const createdAt = Date.now();
    const result = this.db
      .prepare('INSERT INTO feedback (trace_id, created_at, score, label, better_model) VALUES (?, ?, ?, ?, ?)')
      .run(input.traceId, createdAt, input.score ?? null, input.label ?? null, input.betterModel ?? null);
    return { id: Number(result.lastInsertRowid), traceId: input.traceId, createdAt, score: input.score ?? null, label: input.label ?? null, betterModel: input.betterModel ?? null };
  }

  feedbackOf(traceId: string): Feedback[] {
    const rows = this.db.prepare('SELECT id, trace_id, created_at, score, label, better_model FROM feedback WHERE trace_id = ? ORDER BY id').all(traceId) as FeedbackRow[];
    return rows.map(toFeedback);
  }

  /** Traces with their feedback, oldest first, for `switchyard export`. */
  *withFeedback(range: { since?: number | undefined; until?: number | undefined }): Generator<{ trace: Trace; feedback: Feedback[] }> {
    const rows = this.db
      .prepare(
        `SELECT DISTINCT t.id, t.trace_json FROM traces t JOIN feedback f ON f.trace_id = t.id
         WHERE t.started_at >= ? AND t.started_at < ? ORDER BY t.started_at, t.id`,
      )
      .iterate(range.since ?? 0, range.until ?? Number.MAX_SAFE_INTEGER) as Iterable<{ id: string; trace_json: string }>;
    for (const row of rows) yield { trace: JSON.parse(row.trace_json) as Trace, feedback: this.feedbackOf(row.id) };
  }

  async close(): Promise<void> {
    await this.writer?.close();
    this.db.close();
  }

  private insertStatement: Database.Statement | undefined;

  /** Rows in an in-memory store, counted as they come, so trimming does not count the table each time. */
  private rows: number | undefined;

  /** An in-memory store writes on the main thread (no other connection can see it), and trims itself by 10% when over its limit. */
  private insert(row: ReturnType<typeof traceRow>): void {
    this.insertStatement ??= this.db.prepare(INSERT_TRACE);
    this.rows ??= this.count();
    this.insertStatement.run(row);
    if (!this.retention || ++this.rows <= this.retention.maxRows * 1.1) return;
    this.db.prepare(RETENTION_SQL.byAge).run(Date.now() - this.retention.maxAgeMs);
    this.db.prepare(RETENTION_SQL.beyondCount).run(this.retention.maxRows);
    this.rows = this.count();
  }

  private count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM traces').get() as { n: number }).n;
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

type FeedbackRow = { id: number; trace_id: string; created_at: number; score: number | null; label: string | null; better_model: string | null };

function toFeedback(row: FeedbackRow): Feedback {
  return { id: row.id, traceId: row.trace_id, createdAt: row.created_at, score: row.score, label: row.label, betterModel: row.better_model };
}
