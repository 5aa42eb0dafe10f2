import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { INSERT_TRACE, SPEND_COLUMNS, type TraceColumns } from './trace-row.js';
import { ADD_SPEND, INSERT_RESPONSE, PRAGMAS, RETENTION_SQL, SPEND_BUCKET_MS, type ResponseColumns } from './trace-store-schema.js';
import { TraceLedger, type DropCause, type TraceStoreCounts } from './trace-ledger.js';

/**
 * The writer thread's code. It is plain JavaScript passed as a string (`eval: true`) so it runs the
 * same from the sources (tests) and from the build; it only inserts rows and applies retention,
 * the schema is migrated by the main thread before it starts. Its SQL and settings come from the
 * typed modules, through `workerData`.
 */
const WRITER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
for (const pragma of workerData.pragmas) db.pragma(pragma);
// Then no busy timeout: the writer waits on a lock with its own backoff, between messages, so that
// it sees \`close\` at once and drops a batch whose time is up without waiting on the lock once more.
db.pragma('busy_timeout = 0');
const insert = db.prepare(workerData.insertSql);
const insertResponse = db.prepare(workerData.insertResponseSql);
const addSpend = db.prepare(workerData.addSpendSql);
const at = workerData.spendColumns;
// A keyed trace's cost goes to its key's and team's spend bucket in the same transaction (an ignored duplicate adds nothing).
const insertAll = db.transaction((rows) => {
  for (const row of rows.traces) {
    if (insert.run(row).changes === 0 || row[at.keyId] === null || row[at.costUsd] === null) continue;
    const bucket = Math.floor((row[at.startedAt] + row[at.latencyMs]) / workerData.spendBucketMs) * workerData.spendBucketMs;
    const micros = Math.round(row[at.costUsd] * 1000000);
    addSpend.run('key', row[at.keyId], bucket, micros);
    if (row[at.team] !== null) addSpend.run('team', row[at.team], bucket, micros);
  }
  for (const row of rows.responses) insertResponse.run(row);
});
const byAge = db.prepare(workerData.retentionSql.byAge);
const beyondCount = db.prepare(workerData.retentionSql.beyondCount);
const responsesByAge = db.prepare(workerData.retentionSql.responsesByAge);
const responsesBeyondCount = db.prepare(workerData.retentionSql.responsesBeyondCount);
let lastRetention = 0;
// Retention runs at most every retentionEveryMs (it also runs at start); it failing loses no trace.
const retain = (now) => {
  if (now - lastRetention < workerData.retentionEveryMs) return;
  lastRetention = now;
  try {
    byAge.run(now - workerData.retention.maxAgeMs);
    responsesByAge.run(now - workerData.retention.maxAgeMs);
    beyondCount.run(workerData.retention.maxRows);
    responsesBeyondCount.run(workerData.retention.maxRows);
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: 'retention failed: ' + String(error && error.message || error) });
  }
};
// A batch is UTF-8 text. A row is a line of its columns as a JSON array (a stored response's
// preceded by a tag byte), then its documents, one a line (JSON text has no raw newline): a
// trace's JSON, or a stored response's input and response JSON. Documents go to SQLite as the
// bytes they arrived in (views of the batch, cast to TEXT by the statements), never decoded here.
const decode = (arrayBuffer, length) => {
  const buffer = Buffer.from(arrayBuffer, 0, length);
  const rows = { traces: [], responses: [] };
  for (let start = 0; start < length; ) {
    const isResponse = buffer[start] === workerData.responseTag;
    let end = buffer.indexOf(10, start);
    const row = JSON.parse(buffer.toString('utf8', isResponse ? start + 1 : start, end));
    for (let documents = isResponse ? 2 : 1; documents > 0; documents--) {
      const next = buffer.indexOf(10, end + 1);
      row.push(buffer.subarray(end + 1, next));
      end = next;
    }
    (isResponse ? rows.responses : rows.traces).push(row);
    start = end + 1;
  }
  return rows;
};
// What a failed write means for its traces. A full disk may also show as a write the OS refused
// (EFBIG past a file-size limit, EDQUOT): SQLite reports those as SQLITE_IOERR_WRITE.
const causeOf = (error) => {
  const code = String(error && error.code || '');
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked';
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE') return 'full';
  if (code.startsWith('SQLITE_READONLY')) return 'read_only';
  return 'other';
};
// Messages are handled in order: a batch that waits for the database holds the ones behind it (and
// flushes) until it is written, or dropped once it is retryMs old (or at close, once waitMs is over).
const queue = [];
let timer;
let closeBy = Infinity;
let failures = 0;
let failingSince = 0;
let waitingReported = false;
const settle = (message, outcome, error) => {
  parentPort.postMessage({ type: 'settled', id: message.id, outcome, error, buffer: message.buffer }, [message.buffer]);
};
const pump = () => {
  timer = undefined;
  while (queue.length > 0) {
    const message = queue[0];
    if (message.type === 'rows') {
      try {
        insertAll(decode(message.buffer, message.length));
        if (failures > 0) parentPort.postMessage({ type: 'resumed', afterMs: Date.now() - failingSince, reported: waitingReported });
        failures = 0;
        waitingReported = false;
        settle(message, 'written');
      } catch (error) {
        const cause = causeOf(error);
        const text = String(error && error.message || error);
        const now = Date.now();
        const deadline = Math.min(message.handedAt + workerData.retryMs, closeBy);
        if ((cause === 'locked' || cause === 'full') && now < deadline) {
          if (failures++ === 0) {
            failingSince = now;
            parentPort.postMessage({ type: 'failing' });
          }
          // Brief contention (another connection's write) is not worth a log line; a second of it is.
          if (!waitingReported && now - failingSince >= 1000) {
            waitingReported = true;
            parentPort.postMessage({ type: 'waiting', cause, error: text });
          }
          timer = setTimeout(pump, Math.min(workerData.maxBackoffMs, 5 * 2 ** Math.min(failures, 10), deadline - now));
          return;
        }
        settle(message, cause, text);
      }
      queue.shift();
      retain(Date.now());
    } else {
      queue.shift();
      if (message.type === 'retain') {
        lastRetention = 0;
        retain(Date.now());
      } else if (message.type === 'flush') {
        parentPort.postMessage({ type: 'flushed', id: message.id });
      } else if (message.type === 'close') {
        db.close();
        parentPort.close();
        return;
      }
    }
  }
};
parentPort.on('message', (message) => {
  queue.push(message);
  if (message.type === 'close') {
    closeBy = Date.now() + message.waitMs;
    // A batch waiting for the database is tried again now, and given at most waitMs more.
    if (timer) clearTimeout(timer);
    timer = undefined;
  }
  if (!timer) pump();
});
`;

export type TraceWriterOptions = {
  path: string;
  retention: { maxAgeMs: number; maxRows: number };
  /** How often retention runs at most (it also runs at start). */
  retentionEveryMs?: number | undefined;
  /** Rows wait at most this long before they are handed to the writer. */
  batchMs?: number | undefined;
  /** How long a batch may wait for a locked or full database before its traces are dropped (default 30 s). */
  retryMs?: number | undefined;
  /** At close, how much longer batches may wait for the database (default 5 s). */
  closeWaitMs?: number | undefined;
  /** Most bytes of traces pending (queued or handed to the writer) before new ones are dropped (default 64 MB). */
  maxPendingBytes?: number | undefined;
  onError?: ((message: string) => void) | undefined;
};

/** Largest batch handed over at once: bounds one transaction, and the memory of a burst. */
const BATCH_ROWS = 256;
/** Batch buffers: 256 rows of a typical trace (1.5 KB) fit; a larger trace gets a buffer of its own size. */
const BUFFER_BYTES = 512 * 1024;
/**
 * Most trace bytes pending: a disk that stalls (or a database locked by someone else) must not
 * make the gateway's memory grow without end. Past it, traces are dropped and counted (`backlog`).
 * A batch is handed over in a buffer of its own size when it fills less than half of one, so the
 * memory held is at most about twice this.
 */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;
/** A locked or full database is retried for this long before a batch is dropped: a backup, a `VACUUM`, a disk being cleaned up. */
const RETRY_MS = 30_000;
/** At close (SIGTERM), what is held may wait this much longer for the database. */
const CLOSE_WAIT_MS = 5_000;
/** Longest pause between two tries of a waiting batch: a released lock is seen within it. */
const MAX_BACKOFF_MS = 500;
const NEWLINE = 0x0a;
/** The first byte of a stored response's row in a batch (a trace's row starts with its columns' '['). */
const RESPONSE_TAG = 0x52;

type WriterMessage =
  | { type: 'settled'; id: number; outcome: 'written' | DropCause; error?: string; buffer: ArrayBuffer }
  | { type: 'flushed'; id: number }
  | { type: 'waiting'; cause: DropCause; error: string }
  | { type: 'failing' }
  | { type: 'resumed'; afterMs: number; reported: boolean }
  | { type: 'error'; message: string };

/**
 * Writes trace rows (and the Responses API's stored responses, in the same batches) off the request
 * path. The request thread appends each row as text to a buffer outside the JS heap (no trace data
 * survives into the old generation for the garbage collector to copy) and hands full buffers, or
 * every `batchMs`, to a worker thread that owns its own connection, by transfer. A request never waits on the disk or on SQLite.
 *
 * Every trace given is counted (`counts()`): written, pending, or dropped by cause. A batch the
 * database refuses because it is locked or full is tried again with backoff for `retryMs`, the
 * batches behind it waiting (within the pending bound), before its traces are dropped.
 */
export class TraceWriter {
  private readonly worker: Worker;
  private buffer: Buffer | undefined;
  private used = 0;
  /** Rows in the batch being filled: traces and stored responses. */
  private rows = 0;
  private traces = 0;
  private responses = 0;
  /** Buffers the writer has emptied and sent back, to be filled again. */
  private readonly free: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextFlush = 0;
  private nextBatch = 0;
  /** Batches handed to the writer and not yet settled: their traces, stored responses and bytes. */
  private readonly batches = new Map<number, { traces: number; responses: number; bytes: number }>();
  /** Flushes waiting for the writer; a bounded one gets a timer once the writer is failing. */
  private readonly waiting = new Map<number, { done: (flushed: boolean) => void; waitMs: number; timer?: NodeJS.Timeout }>();
  /** The writer is retrying a batch the database refused (locked, full). */
  private failing = false;
  private readonly ledger: TraceLedger;
  private closed: Promise<void> | undefined;
  private closing = false;
  /** Why the writer thread is gone, once it is. */
  private exited: string | undefined;
  private readonly batchMs: number;
  private readonly maxPendingBytes: number;

  constructor(private readonly options: TraceWriterOptions) {
    this.batchMs = options.batchMs ?? 50;
    this.maxPendingBytes = options.maxPendingBytes ?? MAX_PENDING_BYTES;
    this.ledger = new TraceLedger(options.onError);
    this.worker = new Worker(WRITER_SOURCE, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: options.path,
        insertSql: INSERT_TRACE,
        insertResponseSql: INSERT_RESPONSE,
        addSpendSql: ADD_SPEND,
        spendColumns: SPEND_COLUMNS,
        spendBucketMs: SPEND_BUCKET_MS,
        responseTag: RESPONSE_TAG,
        pragmas: PRAGMAS,
        retentionSql: RETENTION_SQL,
        retention: options.retention,
        retentionEveryMs: options.retentionEveryMs ?? 60_000,
        retryMs: options.retryMs ?? RETRY_MS,
        maxBackoffMs: MAX_BACKOFF_MS,
      },
    });
    // The writer must not keep a CLI or a test process alive on its own.
    this.worker.unref();
    this.worker.on('message', (message: WriterMessage) => this.receive(message));
    let failure: string | undefined;
    this.worker.on('error', (error) => {
      failure = error.message;
      this.options.onError?.(error.message);
    });
    // A writer that died (it could not open the database, a bug) must not leave flushes, and the
    // reads behind them, waiting forever: what it had not written is dropped and counted.
    this.worker.on('exit', () => this.stopped(failure ?? 'the writer thread stopped'));
    this.worker.postMessage({ type: 'retain' });
  }

  write(columns: TraceColumns, traceJson: string): void {
    const refused = this.append(undefined, JSON.stringify(columns), traceJson, undefined);
    if (refused) this.ledger.dropNow(refused.cause, refused.error);
  }

  /** Queues a stored response's row like a trace's, in the same batches (`INSERT_RESPONSE`'s columns, then its two documents). */
  writeResponse(columns: ResponseColumns, inputJson: string, responseJson: string): void {
    const refused = this.append(RESPONSE_TAG, JSON.stringify(columns), inputJson, responseJson);
    if (refused) this.ledger.dropResponses(1, refused.cause, refused.error);
  }

  /** Appends a row to the batch being filled and counts it pending, or says why it cannot be queued. */
  private append(tag: number | undefined, columnsJson: string, document: string, second: string | undefined): { cause: DropCause; error: string } | undefined {
    if (this.exited !== undefined || this.closing) return { cause: 'other', error: this.exited ?? 'the trace store is closed' };
    // Written piece by piece: one joined line would be copied once more to be measured.
    const bytes = (tag === undefined ? 0 : 1) + Buffer.byteLength(columnsJson) + Buffer.byteLength(document) + 2 + (second === undefined ? 0 : Buffer.byteLength(second) + 1);
    if (this.ledger.pending.bytes + bytes > this.maxPendingBytes) return { cause: 'backlog', error: `more than ${this.maxPendingBytes} bytes waiting` };
    if (this.buffer && this.used + bytes > this.buffer.length) this.handOver();
    // A buffer kept empty by the hand-over may still be too small for this row.
    if (this.buffer && bytes > this.buffer.length - this.used) this.buffer = undefined;
    // A row larger than a batch buffer gets a buffer of its own size, never a reused one it would overflow.
    const buffer = (this.buffer ??= (bytes <= BUFFER_BYTES ? this.free.pop() : undefined) ?? Buffer.allocUnsafeSlow(Math.max(BUFFER_BYTES, bytes)));
    if (tag !== undefined) buffer[this.used++] = tag;
    this.used += buffer.write(columnsJson, this.used);
    buffer[this.used++] = NEWLINE;
    this.used += buffer.write(document, this.used);
    buffer[this.used++] = NEWLINE;
    if (second !== undefined) {
      this.used += buffer.write(second, this.used);
      buffer[this.used++] = NEWLINE;
    }
    if (tag === undefined) {
      this.ledger.queue(bytes);
      this.traces++;
    } else {
      this.ledger.queueResponse(bytes);
      this.responses++;
    }
    if (++this.rows >= BATCH_ROWS) this.handOver();
    else this.timer ??= setTimeout(() => this.handOver(), this.batchMs).unref();
    return undefined;
  }

  /** What became of every trace given so far. */
  counts(): TraceStoreCounts {
    return this.ledger.counts();
  }

  /**
   * Resolves true once every row written so far is in the database or dropped. With `waitMs`, it
   * resolves false when the writer has been failing (the database locked or full, the writer
   * retrying) for that long first: a read then goes ahead with what is written.
   */
  flush(waitMs = Infinity): Promise<boolean> {
    if (this.exited !== undefined) return Promise.resolve(true);
    this.handOver();
    const id = this.nextFlush++;
    return new Promise((resolve) => {
      const waiter: { done: (flushed: boolean) => void; waitMs: number; timer?: NodeJS.Timeout } = {
        waitMs,
        done: (flushed: boolean): void => {
          clearTimeout(waiter.timer);
          this.waiting.delete(id);
          if (this.waiting.size === 0 && !this.closing) this.worker.unref();
          resolve(flushed);
        },
      };
      this.waiting.set(id, waiter);
      if (this.failing) this.bound(waiter);
      // Someone waits for the disk: the process must stay up until the writer answers.
      this.worker.ref();
      this.worker.postMessage({ type: 'flush', id });
    });
  }

  /** Applies retention now (it also runs with writes, at most every `retentionEveryMs`). */
  async retain(): Promise<void> {
    if (this.exited !== undefined) return;
    this.worker.postMessage({ type: 'retain' });
    await this.flush();
  }

  /**
   * Hands over what is held, lets the writer write it (a batch waiting for a locked or full
   * database gets at most `closeWaitMs` more), reports what was dropped, and stops the writer.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      this.handOver();
      if (this.exited === undefined) {
        this.worker.ref();
        const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
        this.worker.postMessage({ type: 'close', waitMs: this.options.closeWaitMs ?? CLOSE_WAIT_MS });
        await exited;
      }
      this.ledger.reportNow();
    })();
    return this.closed;
  }

  private receive(message: WriterMessage): void {
    if (message.type === 'settled') {
      const batch = this.batches.get(message.id);
      this.batches.delete(message.id);
      if (batch) {
        this.ledger.settle(batch.traces, batch.bytes, message.outcome, message.error);
        if (message.outcome !== 'written') this.ledger.dropResponses(batch.responses, message.outcome, message.error);
      }
      if (this.free.length < 2 && message.buffer.byteLength === BUFFER_BYTES) this.free.push(Buffer.from(message.buffer));
    } else if (message.type === 'flushed') {
      this.waiting.get(message.id)?.done(true);
    } else if (message.type === 'failing') {
      this.failing = true;
      for (const waiter of this.waiting.values()) this.bound(waiter);
    } else if (message.type === 'waiting') {
      const { traces, bytes } = this.ledger.pending;
      this.options.onError?.(
        `cannot write (${message.cause}: ${message.error}); holding ${traces} trace(s) (${bytes} bytes) and retrying each batch for up to ${(this.options.retryMs ?? RETRY_MS) / 1000} s before dropping it`,
      );
    } else if (message.type === 'resumed') {
      this.failing = false;
      if (message.reported) this.options.onError?.(`writing again after ${(message.afterMs / 1000).toFixed(1)} s of retries`);
    } else {
      this.options.onError?.(message.message);
    }
  }

  /** The writer thread is gone: what it held is dropped, and so is every trace given from now on. */
  private stopped(reason: string): void {
    this.exited = reason;
    for (const batch of this.batches.values()) {
      this.ledger.settle(batch.traces, batch.bytes, 'other', reason);
      this.ledger.dropResponses(batch.responses, 'other', reason);
    }
    this.batches.clear();
    if (this.rows > 0) {
      this.ledger.settle(this.traces, this.used, 'other', reason);
      this.ledger.dropResponses(this.responses, 'other', reason);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.buffer = undefined;
    this.used = 0;
    this.rows = 0;
    this.traces = 0;
    this.responses = 0;
    for (const waiter of [...this.waiting.values()]) waiter.done(true);
  }

  private bound(waiter: { done: (flushed: boolean) => void; waitMs: number; timer?: NodeJS.Timeout }): void {
    if (Number.isFinite(waiter.waitMs)) waiter.timer ??= setTimeout(() => waiter.done(false), waiter.waitMs);
  }

  private handOver(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const buffer = this.buffer;
    if (!buffer || this.rows === 0 || this.exited !== undefined) return;
    const length = this.used;
    const id = this.nextBatch++;
    this.batches.set(id, { traces: this.traces, responses: this.responses, bytes: length });
    this.used = 0;
    this.rows = 0;
    this.traces = 0;
    this.responses = 0;
    // A batch that fills less than half of its buffer goes in a copy of its own size and the buffer
    // is filled again: a writer that waits for the database holds the bytes pending, not 512 KB per 50 ms.
    let memory: ArrayBuffer;
    if (length <= buffer.length / 2) {
      const copy = Buffer.allocUnsafeSlow(length);
      buffer.copy(copy, 0, 0, length);
      memory = copy.buffer as ArrayBuffer;
    } else {
      this.buffer = undefined;
      // allocUnsafeSlow gives each buffer an ArrayBuffer of its own, so it can be transferred.
      memory = buffer.buffer as ArrayBuffer;
    }
    this.worker.postMessage({ type: 'rows', id, buffer: memory, length, handedAt: Date.now() }, [memory]);
  }
}
