import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyDecision } from '../spec/empty-decision.js';
import type { Trace } from '../spec/trace.js';
import { SqliteTraceStore } from './sqlite-trace-store.js';
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

  it('drops traces past 64 MB handed to a writer that is stuck (the database locked), says so, and writes again once free', async () => {
    const path = tempPath();
    const errors: string[] = [];
    const store = SqliteTraceStore.open({ path, retention: RETENTION, batchMs: 5, onError: (message) => errors.push(message) });
    await store.flush();
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    // 120 traces of about 1.4 MB (the preview is in a column and in the JSON), each in a buffer of
    // its own: 168 MB for a writer that cannot write; about 46 fit under the bound.
    const big = 'x'.repeat(700_000);
    for (let i = 0; i < 120; i++) store.record(trace(`big-${String(i).padStart(3, '0')}`, big, 1_700_000_000_000 + i));
    expect(errors.join(' ')).toMatch(/MB behind .* trace\(s\) dropped so far/);
    other.exec('COMMIT');
    other.close();
    await store.flush();
    const stored = (store.db.prepare('SELECT COUNT(*) AS n FROM traces').get() as { n: number }).n;
    expect(stored).toBeGreaterThan(40);
    expect(stored).toBeLessThan(60);
    // Free again: the next trace is written.
    store.record(trace('after', 'small', 1_800_000_000_000));
    expect((await store.get('after'))?.trace.id).toBe('after');
    await store.close();
  }, 20_000);

  it('does not leave a flush waiting when the writer thread dies, and reports why', async () => {
    const errors: string[] = [];
    const writer = new TraceWriter({ path: join(tempPath(), 'no-such-directory', 'traces.db'), retention: RETENTION, onError: (message) => errors.push(message) });
    writer.write(['id', 1, 'auto', null, null, null, 'ok', 0, 0, 0, 0, 1, null, null, null, null, null, null, '', ''], '{}');
    await expect(writer.flush()).resolves.toBeUndefined();
    expect(errors.join(' ')).toMatch(/directory does not exist|unable to open/i);
    await writer.close();
  });
});
