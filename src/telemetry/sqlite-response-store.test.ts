import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emptyDecision } from '../spec/empty-decision.js';
import type { Trace } from '../spec/trace.js';
import type { StoredResponse } from './response-store.js';
import { SqliteTraceStore } from './sqlite-trace-store.js';
import { MIGRATIONS, SCHEMA_VERSION } from './trace-store-schema.js';

/** The Responses API's stored responses in the SQLite trace store: owner, deletion, retention, migration, restart. */

const DAY = 86_400_000;
const LONG = { maxAgeMs: 365 * DAY, maxRows: 1_000 };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempPath = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-responses-'));
  dirs.push(dir);
  return join(dir, 'traces.db');
};

function stored(id: string, owner: string | undefined, createdAt = Date.now(), traceId = `trace-${id}`): StoredResponse {
  return {
    id,
    traceId,
    createdAt,
    owner,
    input: [{ role: 'user', content: `question of ${id} — "quoted"\nnewline 🚦` }],
    response: { id, object: 'response', output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: `answer of ${id}`, annotations: [] }] }] },
  };
}

function trace(id: string, startedAt: number): Trace {
  return {
    id,
    startedAt,
    requested: 'auto',
    prompt: { preview: 'p', sha256: 'a'.repeat(64) },
    router: 'auto',
    route: 'chat',
    model: 'cheap',
    stream: false,
    decision: emptyDecision({ requested: 'auto', router: 'auto', route: 'chat', policy: 'single', candidates: [], reference: null }),
    attempts: [],
    status: 'ok',
    latencyMs: 1,
    skipped: [],
  } as unknown as Trace;
}

const responseIds = (db: Database.Database): string[] => (db.prepare('SELECT id FROM responses ORDER BY id').all() as { id: string }[]).map((row) => row.id);

describe.each([
  ['a file store (the writer thread)', (): SqliteTraceStore => SqliteTraceStore.open({ path: tempPath(), retention: LONG, batchMs: 5 })],
  ['an in-memory store', (): SqliteTraceStore => SqliteTraceStore.open({ path: ':memory:', retention: LONG })],
])('stored responses in %s', (_name, open) => {
  it('reads a response back right after it is put, exactly, for its owner only', async () => {
    const store = open();
    const mine = stored('resp_mine', 'owner-a');
    const keyless = stored('resp_open', undefined);
    store.putResponse(mine);
    store.putResponse(keyless);
    expect(await store.getResponse('resp_mine', 'owner-a')).toEqual(mine);
    expect(await store.getResponse('resp_mine', 'owner-b')).toBeUndefined();
    expect(await store.getResponse('resp_mine', undefined)).toBeUndefined();
    expect(await store.getResponse('resp_open', undefined)).toEqual(keyless);
    expect(await store.getResponse('resp_open', 'owner-a')).toBeUndefined();
    expect(await store.getResponse('resp_unknown', 'owner-a')).toBeUndefined();
    await store.close();
  });

  it('deletes a response for its owner only, once', async () => {
    const store = open();
    store.putResponse(stored('resp_1', 'owner-a'));
    expect(await store.deleteResponse('resp_1', 'owner-b')).toBe(false);
    expect(await store.getResponse('resp_1', 'owner-a')).toBeDefined();
    expect(await store.deleteResponse('resp_1', 'owner-a')).toBe(true);
    expect(await store.getResponse('resp_1', 'owner-a')).toBeUndefined();
    expect(await store.deleteResponse('resp_1', 'owner-a')).toBe(false);
    await store.close();
  });

  it('does not serve a response older than the retention age, even before retention has run', async () => {
    const store = open();
    store.putResponse(stored('resp_old', 'o', Date.now() - LONG.maxAgeMs - 60_000));
    store.putResponse(stored('resp_new', 'o', Date.now() - LONG.maxAgeMs + 60_000));
    expect(await store.getResponse('resp_old', 'o')).toBeUndefined();
    expect(await store.deleteResponse('resp_old', 'o')).toBe(false);
    expect(await store.getResponse('resp_new', 'o')).toBeDefined();
    await store.close();
  });
});

describe('stored responses on disk', () => {
  it('are readable by the next process that opens the same file (a restart)', async () => {
    const path = tempPath();
    const first = SqliteTraceStore.open({ path, retention: LONG, batchMs: 5 });
    first.putResponse(stored('resp_kept', 'owner-a'));
    await first.close();
    const second = SqliteTraceStore.open({ path, retention: LONG, batchMs: 5 });
    expect((await second.getResponse('resp_kept', 'owner-a'))?.response).toEqual(stored('resp_kept', 'owner-a').response);
    expect(await second.getResponse('resp_kept', 'owner-b')).toBeUndefined();
    await second.close();
  });

  it('prunes by age with retention: traces and their responses, and responses whose trace was never written', async () => {
    const path = tempPath();
    const now = Date.now();
    const first = SqliteTraceStore.open({ path, retention: { maxAgeMs: 100 * DAY, maxRows: 1_000 }, batchMs: 5 });
    first.record(trace('t-old', now - 10 * DAY));
    first.putResponse(stored('resp_of_old_trace', 'o', now - DAY, 't-old'));
    first.putResponse(stored('resp_orphan_old', 'o', now - 10 * DAY, 't-never-written'));
    first.record(trace('t-new', now));
    first.putResponse(stored('resp_of_new_trace', 'o', now, 't-new'));
    await first.close();
    // Reopened with 5 days' retention: the writer applies it at start.
    const second = SqliteTraceStore.open({ path, retention: { maxAgeMs: 5 * DAY, maxRows: 1_000 }, batchMs: 5 });
    await second.flush();
    expect(responseIds(second.db)).toEqual(['resp_of_new_trace']);
    expect(await second.getResponse('resp_of_old_trace', 'o')).toBeUndefined();
    await second.close();
  });

  it('prunes by rows with retention: a response goes with its pruned trace, and responses alone are bounded too', async () => {
    const path = tempPath();
    const now = Date.now();
    const first = SqliteTraceStore.open({ path, retention: LONG, batchMs: 5 });
    for (let i = 0; i < 4; i++) {
      first.record(trace(`t-${i}`, now - (10 - i) * 1_000));
      first.putResponse(stored(`resp_${i}`, 'o', now - (10 - i) * 1_000 + 500, `t-${i}`));
    }
    await first.close();
    const second = SqliteTraceStore.open({ path, retention: { maxAgeMs: LONG.maxAgeMs, maxRows: 2 }, batchMs: 5 });
    await second.flush();
    expect((second.db.prepare('SELECT id FROM traces ORDER BY id').all() as { id: string }[]).map((row) => row.id)).toEqual(['t-2', 't-3']);
    expect(responseIds(second.db)).toEqual(['resp_2', 'resp_3']);
    await second.close();

    // Responses whose traces were never written: the newest maxRows are kept.
    const third = SqliteTraceStore.open({ path: tempPath(), retention: LONG, batchMs: 5 });
    for (let i = 0; i < 3; i++) third.putResponse(stored(`resp_alone_${i}`, 'o', now - (10 - i) * 1_000, `never-${i}`));
    const thirdPath = third.db.name;
    await third.close();
    const fourth = SqliteTraceStore.open({ path: thirdPath, retention: { maxAgeMs: LONG.maxAgeMs, maxRows: 1 }, batchMs: 5 });
    await fourth.flush();
    expect(responseIds(fourth.db)).toEqual(['resp_alone_2']);
    await fourth.close();
  });

  it('reads a response already written without waiting for the traces queued since (a follow-up is not held by a busy writer)', async () => {
    const store = SqliteTraceStore.open({ path: tempPath(), retention: LONG, batchMs: 5 });
    store.putResponse(stored('resp_written', 'o'));
    await store.flush();
    store.record(trace('t-queued', Date.now()));
    const flush = vi.spyOn(store, 'flush');
    expect((await store.getResponse('resp_written', 'o'))?.id).toBe('resp_written');
    expect(flush).not.toHaveBeenCalled();
    // One not written yet is waited for.
    store.putResponse(stored('resp_queued', 'o'));
    expect((await store.getResponse('resp_queued', 'o'))?.id).toBe('resp_queued');
    expect(flush).toHaveBeenCalledTimes(1);
    await store.close();
  });

  it('says when a response cannot be queued (the backlog bound), and does not count it as a trace', async () => {
    const errors: string[] = [];
    const store = SqliteTraceStore.open({ path: tempPath(), retention: LONG, batchMs: 5, maxPendingBytes: 100, onError: (message) => errors.push(message) });
    store.putResponse(stored('resp_too_big', 'o'));
    expect(errors).toEqual([expect.stringContaining('1 stored response(s) dropped: 1 backlog')]);
    expect(store.counts()).toMatchObject({ recorded: 0, pendingTraces: 0, pendingBytes: 0 });
    expect(await store.getResponse('resp_too_big', 'o')).toBeUndefined();
    await store.close();
  });

  it('upgrades a database of the previous schema version: its traces stay, responses can be stored', async () => {
    const path = tempPath();
    const previous = MIGRATIONS.filter((migration) => migration.version < SCHEMA_VERSION);
    const raw = new Database(path);
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    for (const migration of previous) {
      raw.exec(migration.sql);
      raw.prepare('INSERT INTO schema_migrations VALUES (?, ?)').run(migration.version, 0);
    }
    // The previous version's columns (no key_id, team: migration 4 adds them).
    raw
      .prepare('INSERT INTO traces (id, started_at, requested, status, stream, attempts, retries, fallback, latency_ms, prompt_preview, prompt_sha256, trace_json) VALUES (?, ?, ?, ?, 0, 0, 0, 0, 1, ?, ?, ?)')
      .run('t-before', Date.now(), 'auto', 'ok', 'p', 'a'.repeat(64), JSON.stringify(trace('t-before', Date.now())));
    raw.close();

    const store = SqliteTraceStore.open({ path, retention: LONG, batchMs: 5 });
    expect((store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((row) => row.version)).toEqual([
      ...previous.map((migration) => migration.version),
      SCHEMA_VERSION,
    ]);
    expect((await store.get('t-before'))?.trace.id).toBe('t-before');
    store.putResponse(stored('resp_after', 'o', Date.now(), 't-before'));
    expect((await store.getResponse('resp_after', 'o'))?.traceId).toBe('t-before');
    await store.close();
  });
});
