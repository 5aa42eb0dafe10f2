import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { INSERT_TRACE, type TraceColumns } from './trace-row.js';
import { PRAGMAS, RETENTION_SQL } from './trace-store-schema.js';

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
const insert = db.prepare(workerData.insertSql);
const insertAll = db.transaction((rows) => { for (const row of rows) insert.run(row); });
const byAge = db.prepare(workerData.retentionSql.byAge);
const beyondCount = db.prepare(workerData.retentionSql.beyondCount);
const retain = () => {
  byAge.run(Date.now() - workerData.retention.maxAgeMs);
  beyondCount.run(workerData.retention.maxRows);
};
let lastRetention = 0;
// A batch is UTF-8 text, two lines per row: the columns as a JSON array, then the trace's JSON
// (JSON text has no raw newline). The trace goes to SQLite as the bytes it arrived in (a view of
// the batch, cast to TEXT by the statement), never decoded into a string here.
const decode = (arrayBuffer, length) => {
  const buffer = Buffer.from(arrayBuffer, 0, length);
  const rows = [];
  for (let start = 0; start < length; ) {
    const columnsEnd = buffer.indexOf(10, start);
    const traceEnd = buffer.indexOf(10, columnsEnd + 1);
    const row = JSON.parse(buffer.toString('utf8', start, columnsEnd));
    row.push(buffer.subarray(columnsEnd + 1, traceEnd));
    rows.push(row);
    start = traceEnd + 1;
  }
  return rows;
};
parentPort.on('message', (message) => {
  try {
    if (message.type === 'rows') {
      // The rows are views of the batch: it goes back to the main thread, to be filled again, once they are in.
      try {
        insertAll(decode(message.buffer, message.length));
      } finally {
        parentPort.postMessage({ type: 'buffer', buffer: message.buffer }, [message.buffer]);
      }
    }
    if (message.type === 'rows' || message.type === 'retain') {
      const now = Date.now();
      if (message.type === 'retain' || now - lastRetention >= workerData.retentionEveryMs) {
        lastRetention = now;
        retain();
      }
    }
    if (message.type === 'flush') parentPort.postMessage({ type: 'flushed', id: message.id });
    if (message.type === 'close') {
      db.close();
      parentPort.postMessage({ type: 'closed' });
      parentPort.close();
    }
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String(error && error.message || error), id: message.id });
  }
});
`;

export type TraceWriterOptions = {
  path: string;
  retention: { maxAgeMs: number; maxRows: number };
  /** How often retention runs at most (it also runs at start). */
  retentionEveryMs?: number;
  /** Rows wait at most this long before they are handed to the writer. */
  batchMs?: number;
  onError?: (message: string) => void;
};

/** Largest batch handed over at once: bounds one transaction, and the memory of a burst. */
const BATCH_ROWS = 256;
/** Batch buffers: 256 rows of a typical trace (1.5 KB) fit; a larger trace gets a buffer of its own size. */
const BUFFER_BYTES = 512 * 1024;
/**
 * Most batch bytes handed to the writer and not yet written: a disk that stalls (or a database
 * locked by someone else) must not make the gateway's memory grow without end. Past it, traces are
 * dropped and counted.
 */
const MAX_BYTES_IN_FLIGHT = 64 * 1024 * 1024;
const NEWLINE = 0x0a;
/** How often, at most, dropped traces are reported through onError. */
const DROP_REPORT_MS = 10_000;

/**
 * Writes trace rows off the request path. The request thread appends each row as text to a
 * buffer outside the JS heap (no trace data survives into the old generation for the garbage
 * collector to copy) and hands full buffers, or every `batchMs`, to a worker thread that owns
 * its own connection, by transfer (no copy). A request never waits on the disk or on SQLite.
 */
export class TraceWriter {
  private readonly worker: Worker;
  private buffer: Buffer | undefined;
  private used = 0;
  private rows = 0;
  /** Buffers the writer has emptied and sent back, to be filled again. */
  private readonly free: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextFlush = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private closed: Promise<void> | undefined;
  private readonly batchMs: number;

  constructor(private readonly options: TraceWriterOptions) {
    this.batchMs = options.batchMs ?? 50;
    this.worker = new Worker(WRITER_SOURCE, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: options.path,
        insertSql: INSERT_TRACE,
        pragmas: PRAGMAS,
        retentionSql: RETENTION_SQL,
        retention: options.retention,
        retentionEveryMs: options.retentionEveryMs ?? 60_000,
      },
    });
    // The writer must not keep a CLI or a test process alive on its own.
    this.worker.unref();
    this.worker.on('message', (message: { type: string; id?: number; message?: string; buffer?: ArrayBuffer }) => {
      if (message.type === 'buffer' && message.buffer) {
        this.bytesInFlight -= message.buffer.byteLength;
        if (this.free.length < 2 && message.buffer.byteLength === BUFFER_BYTES) this.free.push(Buffer.from(message.buffer));
      } else if (message.type === 'flushed' && message.id !== undefined) {
        this.waiting.get(message.id)?.resolve();
        this.settle(message.id);
      } else if (message.type === 'error') {
        this.options.onError?.(message.message ?? 'unknown error');
        if (message.id !== undefined) {
          this.waiting.get(message.id)?.reject(new Error(message.message));
          this.settle(message.id);
        }
      }
    });
    this.worker.on('error', (error) => this.options.onError?.(error.message));
    // A writer that died (it could not open the database, a bug) must not leave flushes, and the
    // reads behind them, waiting forever: what it had not written is lost, and onError said so.
    this.worker.on('exit', () => {
      this.exited = true;
      for (const waiter of this.waiting.values()) waiter.resolve();
      this.waiting.clear();
    });
    this.worker.postMessage({ type: 'retain' });
  }

  write(columns: TraceColumns, traceJson: string): void {
    if (this.closed || this.exited) return;
    if (this.bytesInFlight >= MAX_BYTES_IN_FLIGHT) {
      this.drop();
      return;
    }
    // Written piece by piece: one joined line would be copied once more to be measured.
    const columnsJson = JSON.stringify(columns);
    const bytes = Buffer.byteLength(columnsJson) + Buffer.byteLength(traceJson) + 2;
    if (this.buffer && this.used + bytes > this.buffer.length) this.handOver();
    // A row larger than a batch buffer gets a buffer of its own size, never a reused one it would overflow.
    const buffer = (this.buffer ??= (bytes <= BUFFER_BYTES ? this.free.pop() : undefined) ?? Buffer.allocUnsafeSlow(Math.max(BUFFER_BYTES, bytes)));
    this.used += buffer.write(columnsJson, this.used);
    buffer[this.used++] = NEWLINE;
    this.used += buffer.write(traceJson, this.used);
    buffer[this.used++] = NEWLINE;
    if (++this.rows >= BATCH_ROWS) this.handOver();
    else this.timer ??= setTimeout(() => this.handOver(), this.batchMs).unref();
  }

  /** Resolves once every row written so far is in the database. */
  flush(): Promise<void> {
    if (this.exited) return Promise.resolve();
    this.handOver();
    const id = this.nextFlush++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Someone waits for the disk: the process must stay up until the writer answers.
      this.worker.ref();
      this.worker.postMessage({ type: 'flush', id });
    });
  }

  private settle(id: number): void {
    this.waiting.delete(id);
    if (this.waiting.size === 0 && !this.closing) this.worker.unref();
  }

  private closing = false;
  private exited = false;

  /** Applies retention now (it also runs with writes, at most every `retentionEveryMs`). */
  async retain(): Promise<void> {
    this.worker.postMessage({ type: 'retain' });
    await this.flush();
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      this.worker.ref();
      await this.flush();
      if (this.exited) return;
      await new Promise<void>((resolve) => {
        this.worker.once('exit', () => resolve());
        this.worker.postMessage({ type: 'close' });
      });
    })();
    return this.closed;
  }

  private handOver(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const buffer = this.buffer;
    if (!buffer || this.rows === 0) return;
    const length = this.used;
    this.buffer = undefined;
    this.used = 0;
    this.rows = 0;
    // allocUnsafeSlow gives each buffer an ArrayBuffer of its own, so it can be transferred.
    const memory = buffer.buffer as ArrayBuffer;
    this.bytesInFlight += memory.byteLength;
    this.worker.postMessage({ type: 'rows', buffer: memory, length }, [memory]);
  }

  private bytesInFlight = 0;
  private dropped = 0;
  private lastDropReport = -Infinity;

  private drop(): void {
    this.dropped++;
    const now = Date.now();
    if (now - this.lastDropReport < DROP_REPORT_MS) return;
    this.lastDropReport = now;
    this.options.onError?.(`the writer is ${Math.round(this.bytesInFlight / 1048576)} MB behind (is the disk stalled or the database locked?); ${this.dropped} trace(s) dropped so far`);
  }
}
