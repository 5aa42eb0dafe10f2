import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyDecision } from '../spec/empty-decision.js';
import type { Trace, TraceCaller } from '../spec/trace.js';
import { SqliteTraceStore } from './sqlite-trace-store.js';

/** Traces carry their key's id and team in columns (migration 4), and every read narrows to a caller's scope. */

const LONG = { maxAgeMs: 365 * 86_400_000, maxRows: 1_000 };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function trace(id: string, startedAt: number, caller: TraceCaller | undefined): Trace {
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
    skipped: [],
    notes: [],
    usage: undefined,
    costUsd: 0.5,
    referenceCostUsd: undefined,
    savingsUsd: undefined,
    status: 'ok',
    error: undefined,
    latencyMs: 1,
    firstTokenMs: undefined,
    ...(caller ? { caller } : {}),
  };
}

const ALICE: TraceCaller = { keyId: 'key_alice', keyName: 'alice', team: 'red' };
const BOB: TraceCaller = { keyId: 'key_bob', keyName: 'bob', team: 'blue' };

describe.each([
  ['a file store (the writer thread)', (): SqliteTraceStore => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-scope-'));
    dirs.push(dir);
    return SqliteTraceStore.open({ path: join(dir, 'traces.db'), retention: LONG, batchMs: 5 });
  }],
  ['an in-memory store', (): SqliteTraceStore => SqliteTraceStore.open({ path: ':memory:', retention: LONG })],
])('trace scope in %s', (_name, open) => {
  it('stores key_id and team as columns and narrows list, get, feedback, stats and export to a scope', async () => {
    const store = open();
    store.record(trace('t-alice', 1_000, ALICE));
    store.record(trace('t-bob', 2_000, BOB));
    store.record(trace('t-static', 3_000, undefined));
    await store.flush();
    expect(store.db.prepare('SELECT id, key_id, team FROM traces ORDER BY started_at').all()).toEqual([
      { id: 't-alice', key_id: 'key_alice', team: 'red' },
      { id: 't-bob', key_id: 'key_bob', team: 'blue' },
      { id: 't-static', key_id: null, team: null },
    ]);
    const ids = async (scope: Parameters<SqliteTraceStore['list']>[0]): Promise<string[]> => (await store.list(scope)).traces.map((item) => item.id);
    expect(await ids({ limit: 10 })).toEqual(['t-static', 't-bob', 't-alice']);
    expect(await ids({ limit: 10, keyId: 'key_alice' })).toEqual(['t-alice']);
    expect(await ids({ limit: 10, team: 'blue' })).toEqual(['t-bob']);
    expect(await ids({ limit: 10, withoutKey: true })).toEqual(['t-static']);
    expect((await store.list({ limit: 10, keyId: 'key_alice' })).traces[0]?.caller).toEqual(ALICE);

    expect((await store.get('t-alice', { keyId: 'key_alice' }))?.trace.id).toBe('t-alice');
    expect(await store.get('t-alice', { keyId: 'key_bob' })).toBeUndefined();
    expect(await store.get('t-alice', { withoutKey: true })).toBeUndefined();
    expect((await store.get('t-alice'))?.trace.id).toBe('t-alice');

    expect(await store.addFeedback({ traceId: 't-alice', score: 1 }, { keyId: 'key_bob' })).toBeUndefined();
    expect(await store.addFeedback({ traceId: 't-alice', score: 1 }, { withoutKey: true })).toBeUndefined();
    expect(await store.addFeedback({ traceId: 't-alice', score: 1 }, { keyId: 'key_alice' })).toMatchObject({ traceId: 't-alice', score: 1 });
    await store.addFeedback({ traceId: 't-bob', score: 0 });

    expect((await store.stats({ keyId: 'key_bob' })).requests).toBe(1);
    expect((await store.stats({ withoutKey: true })).requests).toBe(1);
    expect((await store.stats({})).requests).toBe(3);

    expect([...store.withFeedback({ team: 'red' })].map((item) => item.trace.id)).toEqual(['t-alice']);
    expect([...store.withFeedback({})].map((item) => item.trace.id)).toEqual(['t-alice', 't-bob']);
    await store.close();
  });
});

describe('the traces table', () => {
  it('has the indexes that serve a key or a team scope by time', () => {
    const store = SqliteTraceStore.open({ path: ':memory:', retention: LONG });
    const plan = store.db.prepare("EXPLAIN QUERY PLAN SELECT trace_json FROM traces WHERE key_id = 'k' ORDER BY started_at DESC").all() as { detail: string }[];
    expect(plan.map((row) => row.detail).join(' ')).toContain('traces_key');
    const teamPlan = store.db.prepare("EXPLAIN QUERY PLAN SELECT trace_json FROM traces WHERE team = 't' ORDER BY started_at DESC").all() as { detail: string }[];
    expect(teamPlan.map((row) => row.detail).join(' ')).toContain('traces_team');
    return store.close();
  });
});
