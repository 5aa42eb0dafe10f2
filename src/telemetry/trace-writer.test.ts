import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyDecision } from '../spec/empty-decision.js';
import type { Trace } from '../spec/trace.js';
import { SqliteTraceStore } from './sqlite-trace-store.js';
import { traceColumns } from './trace-row.js';
import { TraceWriter } from './trace-writer.js';

/** The writer thread's path: rows packed as text in transferred buffers, decoded and inserted there. */

const RETENTION = { maxAgeMs: 86_400_000 * 365 * 100, maxRows: 1_000_000 };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempPath = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-writer-'));
  dirs.push(dir);
  return join(dir, 'traces.db');
};
/** A store's path with the schema in place, for a writer of its own. */
const migratedPath = async (): Promise<string> => {
  const path = tempPath();
  await SqliteTraceStore.open({ path, retention: RETENTION }).close();
  return path;
};

function trace(id: string, preview: string, startedAt = 1_700_000_000_000): Trace {
  return {
    id,
    startedAt,
    requested: 'auto',
    prompt: { preview, sha256: 'a'.repeat(64) },
    router: 'auto',
    route: 'chat',
    model: 'cheap',
    stream: false,
    decision: emptyDecision({ requested: 'auto', router: 'auto', route: 'chat', policy: 'single', candidates: [], reference: null }),
    attempts: [],
    status: 'ok',
    latencyMs: 12.5,
    firstTokenMs: undefined,
    usage: undefined,
    costUsd: 0.001,
    referenceCostUsd: undefined,
    savingsUsd: undefined,
    skipped: [],
  } as unknown as Trace;
}

describe('the trace writer thread', () => {
  it('keeps the page size of a store created before 16 KB pages, and writes and reads it', async () => {
    const path = tempPath();
    const raw = new Database(path);
    raw.pragma('page_size = 4096');
    raw.pragma('journal_mode = WAL');
    raw.exec('CREATE TABLE unrelated (x INTEGER)');
    raw.close();
    const store = SqliteTraceStore.open({ path, retention: RETENTION });
    expect(store.db.pragma('page_size', { simple: true })).toBe(4096);
    const stored = trace('01a205fa-8fa6-746a-9a13-f9f1d03ada48', 'before 16 KB pages');
    store.record(stored);
    expect((await store.get(stored.id))?.trace).toEqual(stored);
    await store.close();
  });

  it('stores every row exactly, whatever the text: newlines, quotes, emoji, non-Latin scripts, a trace larger than a batch buffer', async () => {
    const store = SqliteTraceStore.open({ path: tempPath(), retention: RETENTION, batchMs: 5 });
    const previews = ['line one\nline two\r\n', 'quote " backslash \\ tab \t', 'emoji 🚦 and 日本語 and العربية', '\u2028\u2029 separators', 'plain'];
    // 600 rows: more than one batch of 256; row 4 alone is larger than a batch buffer.
    const sent: Trace[] = [];
    for (let i = 0; i < 600; i++) sent.push(trace(`t-${String(i).padStart(4, '0')}`, i === 4 ? 'x'.repeat(700_000) : (previews[i % previews.length] as string), 1_700_000_000_000 + i));
    for (const item of sent) store.record(item);
    await store.flush();
    const count = (store.db.prepare('SELECT COUNT(*) AS n FROM traces').get() as { n: number }).n;
    expect(count).toBe(600);
    for (const index of [0, 1, 2, 3, 4, 255, 256, 599]) {
      const item = sent[index] as Trace;
      const stored = await store.get(item.id);
      expect(stored?.trace).toEqual(item);
      const row = store.db.prepare('SELECT prompt_preview, started_at, latency_ms, cost_usd, router, trace_json FROM traces WHERE id = ?').get(item.id);
      expect(row).toEqual({ prompt_preview: item.prompt.preview, started_at: item.startedAt, latency_ms: 12.5, cost_usd: 0.001, router: 'auto', trace_json: JSON.stringify(item) });
    }
    await store.close();
  });

  it('stores a trace larger than a batch buffer whole when emptied buffers are waiting to be reused', async () => {
    const store = SqliteTraceStore.open({ path: tempPath(), retention: RETENTION, batchMs: 5 });
    // A first batch, written and its buffer sent back: the writer now has a buffer to reuse.
    store.record(trace('small', 'plain'));
    await store.flush();
    const large = trace('large', 'y'.repeat(700_000), 1_700_000_000_001);
    store.record(large);
    await store.flush();
    const row = store.db.prepare('SELECT trace_json FROM traces WHERE id = ?').get('large');
    expect(row).toEqual({ trace_json: JSON.stringify(large) });
    await store.close();
  });

  it('drops traces past the bound of bytes pending for a writer that waits (the database locked), counts each exactly as backlog, says so, and writes the rest once free', async () => {
    const path = tempPath();
    const errors: string[] = [];
    const maxPendingBytes = 8 * 1024 * 1024;
    const store = SqliteTraceStore.open({ path, retention: RETENTION, batchMs: 5, maxPendingBytes, onError: (message) => errors.push(message) });
    await store.flush();
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    // 20 traces of about 1.4 MB (the preview is in a column and in the JSON): 28 MB for a writer
    // that cannot write, of which the first ones up to 8 MB are held.
    const big = 'x'.repeat(700_000);
    const sent = Array.from({ length: 20 }, (_, i) => trace(`big-${String(i).padStart(3, '0')}`, big, 1_700_000_000_000 + i));
    const sizes = sent.map((item) => Buffer.byteLength(JSON.stringify(traceColumns(item))) + Buffer.byteLength(JSON.stringify(item)) + 2);
    let held = 0;
    while (held < sizes.length && sizes.slice(0, held + 1).reduce((sum, size) => sum + size, 0) <= maxPendingBytes) held++;
    for (const item of sent) store.record(item);
    expect(store.counts()).toMatchObject({ recorded: 20, written: 0, pendingTraces: held, dropped: { backlog: 20 - held, locked: 0, full: 0, read_only: 0, other: 0 } });
    expect(store.counts().pendingBytes).toBe(sizes.slice(0, held).reduce((sum, size) => sum + size, 0));
    other.exec('COMMIT');
    other.close();
    expect(await store.flush()).toBe(true);
    expect((store.db.prepare('SELECT COUNT(*) AS n FROM traces').get() as { n: number }).n).toBe(held);
    expect(store.counts()).toMatchObject({ written: held, pendingTraces: 0, pendingBytes: 0, dropped: { backlog: 20 - held } });
    // Free again: the next trace is written.
    store.record(trace('after', 'small', 1_800_000_000_000));
    expect((await store.get('after'))?.trace.id).toBe('after');
    await store.close();
    // Reported at once, then the rest at close: the lines add up to every drop, with its cause.
    const reported = errors.flatMap((message) => [...message.matchAll(/^(\d+) trace\(s\) dropped: \d+ backlog/g)].map((match) => Number(match[1])));
    expect(reported.reduce((sum, count) => sum + count, 0)).toBe(20 - held);
  }, 20_000);

  it('counts what is pending in the bytes of its rows, not in buffers: 300 batches of one small row for a locked database are held, none dropped', async () => {
    const path = await migratedPath();
    const writer = new TraceWriter({ path, retention: RETENTION, batchMs: 5, maxPendingBytes: 1024 * 1024 });
    await writer.flush();
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    let bytes = 0;
    for (let i = 0; i < 300; i++) {
      const item = trace(`row-${i}`, 'a small trace', 1_700_000_000_000 + i);
      writer.write(traceColumns(item), JSON.stringify(item));
      bytes += Buffer.byteLength(JSON.stringify(traceColumns(item))) + Buffer.byteLength(JSON.stringify(item)) + 2;
      // Each row is a batch of its own, handed to the writer (which cannot write it yet).
      expect(await writer.flush(0)).toBe(false);
    }
    expect(writer.counts()).toEqual({ recorded: 300, written: 0, pendingTraces: 300, pendingBytes: bytes, dropped: { locked: 0, full: 0, read_only: 0, backlog: 0, other: 0 } });
    other.exec('COMMIT');
    other.close();
    expect(await writer.flush()).toBe(true);
    expect(writer.counts()).toMatchObject({ written: 300, pendingTraces: 0, pendingBytes: 0 });
    await writer.close();
  });

  it('retries a batch the database refuses as locked, then drops it after retryMs, counted as locked with those behind it; writes again once free', async () => {
    const path = await migratedPath();
    const errors: string[] = [];
    const writer = new TraceWriter({ path, retention: RETENTION, batchMs: 5, retryMs: 1_500, onError: (message) => errors.push(message) });
    await writer.flush();
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    const write = (id: string): void => {
      const item = trace(id, 'p');
      writer.write(traceColumns(item), JSON.stringify(item));
    };
    for (let i = 0; i < 7; i++) write(`first-${i}`);
    await writer.flush(0);
    for (let i = 0; i < 5; i++) write(`second-${i}`);
    expect(await writer.flush(300)).toBe(false);
    expect(writer.counts()).toMatchObject({ written: 0, pendingTraces: 12, dropped: { locked: 0 } });
    expect(await writer.flush()).toBe(true);
    expect(writer.counts()).toMatchObject({ recorded: 12, written: 0, pendingTraces: 0, pendingBytes: 0, dropped: { locked: 12, full: 0, read_only: 0, backlog: 0, other: 0 } });
    expect(errors.join('\n')).toMatch(/cannot write \(locked: database is locked\); holding/);
    other.exec('COMMIT');
    other.close();
    write('after');
    expect(await writer.flush()).toBe(true);
    expect(writer.counts()).toMatchObject({ recorded: 13, written: 1, dropped: { locked: 12 } });
    await writer.close();
    // The first batch reported at once, the second at close (within 10 s of the first): every drop, with its cause.
    const reported = errors.flatMap((message) => [...message.matchAll(/^(\d+) trace\(s\) dropped: \d+ locked \(the database stayed locked/g)].map((match) => Number(match[1])));
    expect(reported).toEqual([7, 5]);
  }, 15_000);

  it('at close, writes the batch it holds, giving a locked database closeWaitMs more, then counts what is left as dropped', async () => {
    const path = await migratedPath();
    const writer = new TraceWriter({ path, retention: RETENTION, batchMs: 10_000, closeWaitMs: 300 });
    await writer.flush();
    const locker = new Database(path);
    locker.exec('BEGIN EXCLUSIVE');
    for (let i = 0; i < 4; i++) {
      const item = trace(`held-${i}`, 'p');
      writer.write(traceColumns(item), JSON.stringify(item));
    }
    const started = performance.now();
    await writer.close();
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(writer.counts()).toMatchObject({ recorded: 4, written: 0, pendingTraces: 0, dropped: { locked: 4 } });
    locker.exec('COMMIT');
    // Unlocked within the wait: a partial batch (not handed over yet when close was called) is written.
    const second = new TraceWriter({ path, retention: RETENTION, batchMs: 10_000, closeWaitMs: 5_000 });
    await second.flush();
    locker.exec('BEGIN EXCLUSIVE');
    for (let i = 0; i < 4; i++) {
      const item = trace(`kept-${i}`, 'p');
      second.write(traceColumns(item), JSON.stringify(item));
    }
    setTimeout(() => locker.exec('COMMIT'), 300);
    await second.close();
    expect(second.counts()).toMatchObject({ recorded: 4, written: 4, pendingTraces: 0 });
    expect((locker.prepare("SELECT COUNT(*) AS n FROM traces WHERE id LIKE 'kept-%'").get() as { n: number }).n).toBe(4);
    locker.close();
  });

  it('does not leave a flush waiting when the writer thread dies, reports why, and counts what it held as dropped', async () => {
    const errors: string[] = [];
    const writer = new TraceWriter({ path: join(tempPath(), 'no-such-directory', 'traces.db'), retention: RETENTION, onError: (message) => errors.push(message) });
    writer.write(['id', 1, 'auto', null, null, null, 'ok', 0, 0, 0, 0, 1, null, null, null, null, null, null, '', '', null, null], '{}');
    await expect(writer.flush()).resolves.toBe(true);
    expect(errors.join(' ')).toMatch(/directory does not exist|unable to open/i);
    writer.write(['id2', 1, 'auto', null, null, null, 'ok', 0, 0, 0, 0, 1, null, null, null, null, null, null, '', '', null, null], '{}');
    expect(writer.counts()).toMatchObject({ recorded: 2, written: 0, pendingTraces: 0, pendingBytes: 0, dropped: { other: 2 } });
    await writer.close();
  });
});
