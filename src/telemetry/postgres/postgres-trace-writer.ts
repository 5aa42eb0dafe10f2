import type pg from 'pg';
import type { TraceColumns } from '../trace-row.js';
import type { ResponseColumns } from '../trace-store-schema.js';
import { TraceLedger, type TraceStoreCounts } from '../trace-ledger.js';
import { INSERT_TRACES, UPSERT_RESPONSES } from './postgres-sql.js';
import { isUnreachable } from './postgres-errors.js';

export type PostgresWriterOptions = {
  /** Rows wait at most this long before they are written (default 50 ms). */
  batchMs?: number | undefined;
  /** Most bytes of traces and stored responses held while PostgreSQL does not answer (default 64 MB, as SQLite's writer). */
  maxPendingBytes?: number | undefined;
  /** At close, how long what is held may still wait for PostgreSQL (default 5 s). */
  closeWaitMs?: number | undefined;
  onError?: ((message: string) => void) | undefined;
};

type Held =
  | { trace: true; columns: TraceColumns; json: string; bytes: number }
  | { trace: false; columns: ResponseColumns; input: string; body: string; bytes: number };

/**
 * Largest batch written at once. Its rows are encoded on the event loop: with 64 rows of 1 KB traces
 * its delay stayed at a p99 of 10 to 16 ms while a backlog of 20,000 was written (256 rows: 31 ms).
 */
const BATCH_ROWS = 64;
const MAX_PENDING_BYTES = 64 * 1024 * 1024;
const CLOSE_WAIT_MS = 5_000;
/** Longest pause between two tries while PostgreSQL does not answer: its return is seen within it. */
const MAX_BACKOFF_MS = 1_000;
/** How long PostgreSQL may fail before the writer says so (a restart of a second or so is not worth a line). */
const REPORT_AFTER_MS = 1_000;

/**
 * Writes traces, their spend and stored responses to PostgreSQL off the request path. `write`
 * only appends to the held list (no I/O, no await); a loop writes what is held in batches of up to
 * 64 rows, one statement or transaction each, every `batchMs` or as soon as a batch is full. While PostgreSQL
 * cannot be reached (down, restarting, the network) the rows stay held and the loop tries again
 * with backoff until it answers: nothing is lost within `maxPendingBytes`; past it new rows are
 * dropped, counted (`backlog`) and reported. A batch PostgreSQL refuses for what it holds (no
 * outage) is dropped at once (`other`), so it cannot hold every batch behind it.
 */
export class PostgresTraceWriter {
  private readonly held: Held[] = [];
  private readonly ledger: TraceLedger;
  /** Rows ever held, and how many of them (the oldest first) are written or dropped. */
  private appended = 0;
  private settled = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failingSince: number | undefined;
  private failures = 0;
  private reported = false;
  private closing = false;
  private readonly waiters = new Set<{ target: number; done: (flushed: boolean) => void; waitMs: number; timer?: NodeJS.Timeout }>();
  private readonly batchMs: number;
  private readonly maxPendingBytes: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresWriterOptions,
  ) {
    this.batchMs = options.batchMs ?? 50;
    this.maxPendingBytes = options.maxPendingBytes ?? MAX_PENDING_BYTES;
    this.ledger = new TraceLedger(options.onError);
  }

  write(columns: TraceColumns, json: string): void {
    const bytes = Buffer.byteLength(json) + 200;
    if (this.closing) return this.ledger.dropNow('other', 'the trace store is closed');
    if (this.ledger.pending.bytes + bytes > this.maxPendingBytes) return this.ledger.dropNow('backlog', `more than ${this.maxPendingBytes} bytes waiting for PostgreSQL`);
    this.ledger.queue(bytes);
    this.hold({ trace: true, columns, json, bytes });
  }

  writeResponse(columns: ResponseColumns, input: string, body: string): void {
    const bytes = Buffer.byteLength(input) + Buffer.byteLength(body) + 100;
    if (this.closing) return this.ledger.dropResponses(1, 'other', 'the trace store is closed');
    if (this.ledger.pending.bytes + bytes > this.maxPendingBytes) return this.ledger.dropResponses(1, 'backlog', `more than ${this.maxPendingBytes} bytes waiting for PostgreSQL`);
    this.ledger.queueResponse(bytes);
    this.hold({ trace: false, columns, input, body, bytes });
  }

  counts(): TraceStoreCounts {
    return this.ledger.counts();
  }

  /** True once every row held so far is written or dropped; false when PostgreSQL had been failing for `waitMs` first. */
  flush(waitMs = Infinity): Promise<boolean> {
    const target = this.appended;
    if (this.settled >= target) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: { target: number; done: (flushed: boolean) => void; waitMs: number; timer?: NodeJS.Timeout } = {
        target,
        waitMs,
        done: (flushed) => {
          clearTimeout(waiter.timer);
          this.waiters.delete(waiter);
          resolve(flushed);
        },
      };
      this.waiters.add(waiter);
      if (this.failingSince !== undefined) this.bound(waiter);
      // Written now rather than at the end of the batch interval (unless it waits out a backoff).
      if (this.failingSince === undefined) this.kick(0);
    });
  }

  /** Writes what is held, giving PostgreSQL at most `closeWaitMs` more; what is still held then is dropped and reported. */
  async close(): Promise<void> {
    this.closing = true;
    await this.flush(this.options.closeWaitMs ?? CLOSE_WAIT_MS);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    this.drop(this.held.length, 'other', 'PostgreSQL did not answer before the gateway stopped');
    this.ledger.reportNow();
  }

  private hold(row: Held): void {
    this.held.push(row);
    this.appended++;
    if (this.failingSince === undefined) this.kick(this.held.length >= BATCH_ROWS ? 0 : this.batchMs);
  }

  /** Runs the loop after `ms` (unless it runs, or is due sooner). */
  private kick(ms: number): void {
    if (this.running) return;
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.drain().finally(() => (this.running = undefined));
    }, ms);
    // Only a flush or close keeps the process up for what is held.
    if (this.waiters.size === 0) this.timer.unref();
  }

  private async drain(): Promise<void> {
    while (this.held.length > 0) {
      const batch = this.held.slice(0, BATCH_ROWS);
      try {
        await this.writeBatch(batch);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (isUnreachable(error)) {
          // Closing, once its wait is over: `close` drops what is held.
          if (!(this.closing && this.waiters.size === 0)) this.failing(message);
          return;
        }
        this.drop(batch.length, 'other', message);
        continue;
      }
      this.held.splice(0, batch.length);
      const traces = batch.filter((row) => row.trace).length;
      this.ledger.settle(traces, batch.reduce((sum, row) => sum + row.bytes, 0), 'written');
      this.advance(batch.length);
      if (this.failingSince !== undefined) {
        if (this.reported) this.options.onError?.(`writing to PostgreSQL again after ${((Date.now() - this.failingSince) / 1000).toFixed(1)} s; ${this.held.length} row(s) still held`);
        this.failingSince = undefined;
        this.failures = 0;
        this.reported = false;
      }
    }
  }

  /** PostgreSQL did not answer: keep what is held, and try again after a backoff. */
  private failing(message: string): void {
    const now = Date.now();
    if (this.failingSince === undefined) {
      this.failingSince = now;
      for (const waiter of this.waiters) this.bound(waiter);
    }
    if (!this.reported && now - this.failingSince >= REPORT_AFTER_MS) {
      this.reported = true;
      const { traces, bytes } = this.ledger.pending;
      this.options.onError?.(`cannot write to PostgreSQL (${message}); holding ${traces} trace(s) (${bytes} bytes), retrying until it answers; past ${this.maxPendingBytes} bytes new traces are dropped`);
    }
    const backoff = Math.min(MAX_BACKOFF_MS, 25 * 2 ** Math.min(this.failures++, 10));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.drain().finally(() => (this.running = undefined));
    }, backoff);
    if (this.waiters.size === 0) this.timer.unref();
  }

  /** Drops the oldest `count` held rows for `cause`. */
  private drop(count: number, cause: 'other', error: string): void {
    if (count === 0) return;
    const rows = this.held.splice(0, count);
    const traces = rows.filter((row) => row.trace).length;
    this.ledger.settle(traces, rows.reduce((sum, row) => sum + row.bytes, 0), cause, error);
    this.ledger.dropResponses(rows.length - traces, cause, error);
    this.advance(rows.length);
  }

  private advance(rows: number): void {
    this.settled += rows;
    for (const waiter of [...this.waiters]) if (this.settled >= waiter.target) waiter.done(true);
  }

  private bound(waiter: { done: (flushed: boolean) => void; waitMs: number; timer?: NodeJS.Timeout }): void {
    if (Number.isFinite(waiter.waitMs)) waiter.timer ??= setTimeout(() => waiter.done(false), waiter.waitMs);
  }

  /** One transaction: the traces with their spend, then the stored responses. */
  private async writeBatch(batch: readonly Held[]): Promise<void> {
    const traces = batch.filter((row): row is Extract<Held, { trace: true }> => row.trace);
    const responses = new Map<string, Extract<Held, { trace: false }>>();
    for (const row of batch) if (!row.trace) responses.set(row.columns[0], row);
    const insertTraces = { name: 'switchyard_insert_traces', text: INSERT_TRACES, values: traceRows(traces) };
    // One statement (the traces and their spend) is atomic by itself: no transaction, two round trips fewer.
    if (responses.size === 0) {
      await this.pool.query(insertTraces);
      return;
    }
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      if (traces.length > 0) await client.query(insertTraces);
      if (responses.size > 0) await client.query({ name: 'switchyard_upsert_responses', text: UPSERT_RESPONSES, values: responseArrays([...responses.values()]) });
      await client.query('COMMIT');
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

/**
 * The batch as `INSERT_TRACES`'s one parameter: each row an array in `TRACE_COLUMN_NAMES` order,
 * ending with the trace's JSON as it is (a JSON value: stringifying it again would escape every
 * quote of it). PostgreSQL text cannot hold NUL: it is stored as U+FFFD.
 */
function traceRows(rows: readonly { columns: TraceColumns; json: string }[]): [string] {
  let out = '[';
  rows.forEach((row, index) => {
    const columns = JSON.stringify(row.columns.map(text));
    out += `${index === 0 ? '' : ','}${columns.slice(0, -1)},${jsonText(row.json)}]`;
  });
  return [`${out}]`];
}

// An escaped NUL: `\u0000` after an even number of backslashes (after an odd one, the backslash is itself escaped text).
const NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;

/** PostgreSQL's JSON functions refuse the escape of a NUL (it has no text form): it becomes U+FFFD, as a NUL in a column does. */
function jsonText(json: string): string {
  return json.includes('\\u0000') ? json.replace(NUL_ESCAPE, '$1\\ufffd') : json;
}

function responseArrays(rows: readonly { columns: ResponseColumns; input: string; body: string }[]): unknown[][] {
  const arrays: unknown[][] = [[], [], [], [], [], []];
  for (const row of rows) {
    [...row.columns, row.input, row.body].forEach((value, c) => (arrays[c] as unknown[]).push(text(value)));
  }
  return arrays;
}

function text<T>(value: T): T | string {
  return typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}
