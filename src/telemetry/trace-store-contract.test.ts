import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDecision } from '../spec/empty-decision.js';
import type { Trace, TraceCaller } from '../spec/trace.js';
import { postgresMissing, startPostgres, type PostgresServer } from '../../test/support/local-servers.js';
import { freshDatabase, queryDatabase } from '../../test/support/postgres-database.js';
import { PostgresTraceStore } from './postgres/postgres-trace-store.js';
import { SqliteTraceStore } from './sqlite-trace-store.js';
import type { TraceStore } from './trace-store.js';

/**
 * The TraceStore contract, the same cases on both stores: what is recorded is listed, got, scored,
 * counted and exported alike, each caller sees only its own, and stored responses obey owner and age.
 * `withFeedback` (export) is sync on SQLite and async on PostgreSQL: `for await` reads both.
 */

const DAY = 86_400_000;
const LONG = { maxAgeMs: 365 * DAY, maxRows: 1_000 };
const T0 = Date.now() - DAY;

type Exporting = TraceStore & { withFeedback: SqliteTraceStore['withFeedback'] | PostgresTraceStore['withFeedback'] };
type Opened = { store: Exporting; spend: () => Promise<{ scope: string; id: string; bucket_start: number; micro_usd: number }[]> };

let server: PostgresServer | undefined;
const dirs: string[] = [];
beforeAll(async () => {
  if (postgresMissing === undefined) server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const STORES: [string, (retention?: { maxAgeMs: number; maxRows: number }) => Promise<Opened>][] = [
  [
    'SQLite',
    async (retention = LONG) => {
      const dir = mkdtempSync(join(tmpdir(), 'switchyard-contract-'));
      dirs.push(dir);
      const store = SqliteTraceStore.open({ path: join(dir, 'traces.db'), retention, batchMs: 5 });
      return { store, spend: async () => store.db.prepare('SELECT scope, id, bucket_start, micro_usd FROM spend ORDER BY scope, id, bucket_start').all() as never };
    },
  ],
];
if (postgresMissing === undefined) {
  STORES.push([
    'PostgreSQL',
    async (retention = LONG) => {
      const url = await freshDatabase(server as PostgresServer);
      const store = await PostgresTraceStore.open({ url, retention, batchMs: 5 });
      return { store, spend: () => queryDatabase(url, 'SELECT scope, id, bucket_start::float8 AS bucket_start, micro_usd::float8 AS micro_usd FROM spend ORDER BY scope COLLATE "C", id COLLATE "C", bucket_start') as never };
    },
  ]);
}

const ALICE: TraceCaller = { keyId: 'key_alice', keyName: 'alice', team: 'red' };
const BOB: TraceCaller = { keyId: 'key_bob', keyName: 'bob', team: 'blue' };

function trace(id: string, startedAt: number, overrides: Partial<Trace> = {}): Trace {
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
    usage: { inputTokens: 10, cachedInputTokens: undefined, cacheWriteTokens: undefined, outputTokens: 20, reasoningTokens: undefined, estimated: false },
    costUsd: 0.25,
    referenceCostUsd: 1,
    savingsUsd: 0.75,
    status: 'ok',
    error: undefined,
    latencyMs: 10,
    firstTokenMs: undefined,
    ...overrides,
  };
}

/** A mix: two keys and no key, two routers, errors, unknown cost, streams with a first token. */
function mix(): Trace[] {
  const traces: Trace[] = [];
  for (let i = 0; i < 30; i++) {
    const caller = i % 3 === 0 ? ALICE : i % 3 === 1 ? BOB : undefined;
    traces.push(
      trace(`t-${String(i).padStart(3, '0')}`, T0 + i * 60_000, {
        ...(caller ? { caller } : {}),
        router: i % 4 === 0 ? 'fast' : 'auto',
        route: i % 5 === 0 ? null : 'chat',
        model: i % 7 === 0 ? null : i % 2 === 0 ? 'cheap' : 'strong',
        status: i % 7 === 0 ? 'error' : 'ok',
        costUsd: i % 6 === 0 ? undefined : 0.001 * (i + 1),
        latencyMs: 5 + ((i * 37) % 50),
        stream: i % 2 === 1,
        firstTokenMs: i % 2 === 1 ? 2 + (i % 5) : undefined,
      }),
    );
  }
  return traces;
}

describe.each(STORES)('the trace store contract on %s', (_name, open) => {
  it('lists newest first with filters and a cursor, gets a trace with its feedback, and counts every trace written', async () => {
    const { store } = await open();
    const traces = mix();
    for (const t of traces) store.record(t);
    expect(await store.flush()).toBe(true);
    expect(store.counts()).toMatchObject({ recorded: 30, written: 30, pendingTraces: 0 });
    const first = await store.list({ limit: 4 });
    expect(first.traces.map((t) => t.id)).toEqual(['t-029', 't-028', 't-027', 't-026']);
    const second = await store.list({ limit: 4, cursor: first.next });
    expect(second.traces.map((t) => t.id)).toEqual(['t-025', 't-024', 't-023', 't-022']);
    expect((await store.list({ limit: 100, router: 'fast', status: 'error' })).traces.map((t) => t.id)).toEqual(['t-028', 't-000']);
    expect((await store.list({ limit: 100, since: T0 + 10 * 60_000, until: T0 + 12 * 60_000 })).traces.map((t) => t.id)).toEqual(['t-011', 't-010']);
    expect((await store.list({ limit: 100, model: 'strong', keyId: 'key_bob' })).traces.map((t) => t.id)).toEqual(['t-025', 't-019', 't-013', 't-001']);
    const feedback = await store.addFeedback({ traceId: 't-003', score: 0.5, label: 'fine', betterModel: 'strong' });
    expect(feedback).toMatchObject({ traceId: 't-003', score: 0.5, label: 'fine', betterModel: 'strong' });
    const got = await store.get('t-003');
    expect(got?.trace).toEqual(JSON.parse(JSON.stringify(traces[3])));
    expect(got?.feedback).toEqual([feedback]);
    expect(await store.get('t-missing')).toBeUndefined();
    expect(await store.addFeedback({ traceId: 't-missing', score: 1 })).toBeUndefined();
    await store.close();
  });

  it('narrows list, get, feedback, stats and export to a caller', async () => {
    const { store } = await open();
    for (const t of mix()) store.record(t);
    await store.flush();
    expect((await store.list({ limit: 100, keyId: 'key_alice' })).traces.every((t) => t.caller?.keyId === 'key_alice')).toBe(true);
    expect((await store.list({ limit: 100, withoutKey: true })).traces).toHaveLength(10);
    expect((await store.list({ limit: 100, team: 'blue' })).traces).toHaveLength(10);
    expect(await store.get('t-001', { keyId: 'key_alice' })).toBeUndefined();
    expect(await store.get('t-001', { keyId: 'key_bob' })).toBeDefined();
    expect(await store.addFeedback({ traceId: 't-001', score: 1 }, { withoutKey: true })).toBeUndefined();
    await store.addFeedback({ traceId: 't-000', score: 1 }, { keyId: 'key_alice' });
    await store.addFeedback({ traceId: 't-001', score: 0 }, { team: 'blue' });
    expect((await store.stats({ keyId: 'key_alice' })).requests).toBe(10);
    expect((await store.stats({ withoutKey: true })).requests).toBe(10);
    const exported: string[] = [];
    for await (const row of store.withFeedback({ team: 'red' })) exported.push(row.trace.id);
    expect(exported).toEqual(['t-000']);
    const all: string[] = [];
    for await (const row of store.withFeedback({})) all.push(`${row.trace.id}:${row.feedback.map((f) => f.score).join()}`);
    expect(all).toEqual(['t-000:1', 't-001:0']);
    await store.close();
  });

  it('keeps stored responses for their owner only, deletes them, and never serves an expired one', async () => {
    const { store } = await open({ maxAgeMs: 60_000, maxRows: 1_000 });
    const response = (id: string, owner: string | undefined, createdAt = Date.now()) => ({
      id,
      traceId: `trace-${id}`,
      createdAt,
      owner,
      input: [{ role: 'user', content: `question "${id}"\nline 🚦` }],
      response: { id, object: 'response', output: [] },
    });
    store.putResponse(response('resp_a', 'alice'));
    store.putResponse(response('resp_none', undefined));
    store.putResponse(response('resp_old', 'alice', Date.now() - 120_000));
    expect(await store.getResponse('resp_a', 'alice')).toEqual(response('resp_a', 'alice', (await store.getResponse('resp_a', 'alice'))?.createdAt));
    expect(await store.getResponse('resp_a', 'bob')).toBeUndefined();
    expect(await store.getResponse('resp_a', undefined)).toBeUndefined();
    expect((await store.getResponse('resp_none', undefined))?.input).toEqual([{ role: 'user', content: 'question "resp_none"\nline 🚦' }]);
    expect(await store.getResponse('resp_old', 'alice')).toBeUndefined();
    expect(await store.deleteResponse('resp_a', 'bob')).toBe(false);
    expect(await store.deleteResponse('resp_a', 'alice')).toBe(true);
    expect(await store.getResponse('resp_a', 'alice')).toBeUndefined();
    await store.close();
  });

  it('adds the cost of keyed traces to their key and team spend buckets, in micro-dollars', async () => {
    const { store, spend } = await open();
    const bucket = Math.floor(T0 / 900_000) * 900_000;
    store.record(trace('s-1', bucket + 1_000, { caller: ALICE, costUsd: 0.0000015 }));
    store.record(trace('s-2', bucket + 2_000, { caller: ALICE, costUsd: 0.25 }));
    store.record(trace('s-3', bucket + 900_000, { caller: BOB, costUsd: 0.5 }));
    store.record(trace('s-4', bucket + 3_000, { caller: ALICE, costUsd: undefined }));
    store.record(trace('s-5', bucket + 4_000, { costUsd: 1 }));
    await store.flush();
    // A trace written twice (a batch retried after its commit went through) adds its cost once.
    store.record(trace('s-2', bucket + 2_000, { caller: ALICE, costUsd: 0.25 }));
    await store.flush();
    expect(await spend()).toEqual([
      { scope: 'key', id: 'key_alice', bucket_start: bucket, micro_usd: 250_002 },
      { scope: 'key', id: 'key_bob', bucket_start: bucket + 900_000, micro_usd: 500_000 },
      { scope: 'team', id: 'blue', bucket_start: bucket + 900_000, micro_usd: 500_000 },
      { scope: 'team', id: 'red', bucket_start: bucket, micro_usd: 250_002 },
    ]);
    await store.close();
  });
});

describe.skipIf(postgresMissing !== undefined)('the same figures from either store', () => {
  it('gives equal stats (totals, timeline, per key and per team) for the same traces on SQLite and PostgreSQL', async () => {
    const [sqlite, postgres] = await Promise.all(STORES.map(([, open]) => open()));
    for (const opened of [sqlite, postgres]) {
      for (const t of mix()) opened?.store.record(t);
      await opened?.store.flush();
    }
    for (const query of [{}, { bucketMs: 600_000 }, { by: 'key' as const }, { by: 'team' as const, router: 'auto' }, { since: T0 + 5 * 60_000, until: T0 + 20 * 60_000, keyId: 'key_bob' }]) {
      const expected = await sqlite?.store.stats(query);
      expect(expected?.requests).toBeGreaterThan(0);
      // Sums of floats in another order (SQLite's TOTAL compensates): equal to 12 significant digits.
      expect(rounded(await postgres?.store.stats(query))).toEqual(rounded(expected));
    }
    await Promise.all([sqlite?.store.close(), postgres?.store.close()]);
  });
});

function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Number(value.toPrecision(12));
  if (Array.isArray(value)) return value.map(rounded);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, rounded(entry)]));
  return value;
}
