import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Candidate, Decision } from '../spec/decision.js';
import type { Attempt, Trace } from '../spec/trace.js';
import type { Usage } from '../spec/usage.js';
import { SqliteKeyStore } from '../keys/sqlite-key-store.js';
import { SqliteTraceStore } from './sqlite-trace-store.js';
import { nearestRank, traceStats } from './trace-stats.js';
import { emptyDecision } from '../spec/empty-decision.js';

/** Figures of `switchyard stats` and `GET /v1/stats`, on hand-built traces in an in-memory store, checked against numbers worked out by hand. */

const T0 = 1_700_000_000_000;

function usage(inputTokens: number, outputTokens: number): Usage {
  return { inputTokens, cachedInputTokens: undefined, cacheWriteTokens: undefined, outputTokens, reasoningTokens: undefined, estimated: false };
}

function attempt(model: string, overrides: Partial<Attempt> = {}): Attempt {
  return {
    model,
    provider: 'fake',
    role: 'answer',
    retry: 0,
    startedAt: T0,
    firstTokenMs: undefined,
    durationMs: 100,
    outcome: 'ok',
    error: undefined,
    usage: usage(10, 20),
    ...overrides,
  };
}

const candidate = (model: string, source: Candidate['source'] = 'target'): Candidate => ({ model, provider: 'fake', source });

let sequence = 0;

/** A served request by default: router auto, route code, model coder, the plan [coder]. */
function trace(overrides: Partial<Trace> = {}, decision: Partial<Decision> = {}): Trace {
  const router = overrides.router === undefined ? 'auto' : overrides.router;
  const route = overrides.route === undefined ? 'code' : overrides.route;
  const model = overrides.model === undefined ? 'coder' : overrides.model;
  sequence++;
  return {
    id: `trace-${String(sequence).padStart(4, '0')}`,
    startedAt: T0 + sequence,
    requested: router ?? model ?? 'cheap',
    prompt: { preview: 'hello', sha256: '0'.repeat(64) },
    router,
    route,
    model,
    stream: false,
    decision: emptyDecision({
      requested: router ?? 'cheap',
      router,
      route,
      policy: 'single',
      candidates: model === null ? [] : [candidate(model)],
      reference: null,
      ...decision,
    }),
    attempts: model === null ? [] : [attempt(model)],
    skipped: [],
    notes: [],
    usage: usage(10, 20),
    costUsd: 0.001,
    referenceCostUsd: 0.01,
    savingsUsd: 0.009,
    status: 'ok',
    error: undefined,
    latencyMs: 100,
    firstTokenMs: undefined,
    ...overrides,
  };
}

const failed = (overrides: Partial<Trace> = {}): Trace =>
  trace({
    model: null,
    status: 'error',
    attempts: [attempt('coder', { outcome: 'error', usage: undefined, error: { kind: 'upstream_http', message: 'boom', retryable: true, status: 500 } })],
    usage: undefined,
    costUsd: undefined,
    referenceCostUsd: undefined,
    savingsUsd: undefined,
    error: { kind: 'upstream_http', message: 'boom', retryable: true, status: 500 },
    ...overrides,
  });

/** coder failed, cheap (the router's fallback) answered. */
const failedOver = (overrides: Partial<Trace> = {}): Trace =>
  trace(
    {
      model: 'cheap',
      attempts: [attempt('coder', { outcome: 'error', usage: undefined }), attempt('cheap')],
      ...overrides,
    },
    { candidates: [candidate('coder'), candidate('cheap', 'fallback')] },
  );

let store: SqliteTraceStore;

beforeEach(() => {
  store = SqliteTraceStore.open({ path: ':memory:', retention: { maxAgeMs: 1e15, maxRows: 1_000_000 } });
});

afterEach(async () => {
  await store.close();
});

const record = (...traces: Trace[]): void => {
  for (const item of traces) store.record(item);
};

describe('nearestRank', () => {
  it('is the value at rank ceil(q * n), 1-based, at least the first', () => {
    const sorted = [1, 2, 3, 4];
    expect(nearestRank(sorted, 0.5)).toBe(2);
    expect(nearestRank(sorted, 0.51)).toBe(3);
    expect(nearestRank(sorted, 0.75)).toBe(3);
    expect(nearestRank(sorted, 0.99)).toBe(4);
    expect(nearestRank(sorted, 0)).toBe(1);
    expect(nearestRank([42], 0.99)).toBe(42);
  });
});

describe('traceStats', () => {
  it('reports nothing over an empty store, without dividing by zero', () => {
    const stats = traceStats(store.db, {});
    expect(stats).toMatchObject({ requests: 0, routes: [], models: [], fallbackRate: 0, retryRate: 0, errorRate: 0, costUsd: 0, unknownCost: 0 });
    expect(stats.latencyMs).toBeUndefined();
    expect(stats.firstTokenMs).toBeUndefined();
    expect(stats.timeline).toBeUndefined();
  });

  it('computes latency percentiles by nearest rank over the stored values, whatever their order', () => {
    // Sorted: 7 15 19 42 61 88 120 230 300 500 → p50 = 5th = 61, p90 = 9th = 300, p99 = 10th = 500.
    for (const latencyMs of [120, 15, 300, 42, 7, 88, 230, 61, 19, 500]) record(trace({ latencyMs }));
    expect(traceStats(store.db, {}).latencyMs).toEqual({ p50: 61, p90: 300, p99: 500 });
  });

  it('takes time to first token from the requests that have one only (streams)', () => {
    record(trace({ latencyMs: 1000 }), trace({ latencyMs: 2000 }));
    expect(traceStats(store.db, {}).firstTokenMs).toBeUndefined();
    // Three streams: 30, 10, 20 → p50 = 2nd = 20, p90 = p99 = 3rd = 30.
    record(trace({ stream: true, firstTokenMs: 30 }), trace({ stream: true, firstTokenMs: 10 }), trace({ stream: true, firstTokenMs: 20 }));
    const stats = traceStats(store.db, {});
    expect(stats.firstTokenMs).toEqual({ p50: 20, p90: 30, p99: 30 });
    // Latency percentiles still see all five requests: 100 100 100 1000 2000 → p50 = 3rd = 100, p90 = 5th.
    expect(stats.latencyMs).toEqual({ p50: 100, p90: 2000, p99: 2000 });
  });

  it('counts statuses and the share of each route and model, the busiest first, ties by name', () => {
    record(
      trace({ route: 'code', model: 'coder', costUsd: 0.002 }),
      trace({ route: 'code', model: 'coder', costUsd: 0.003 }),
      trace({ route: 'code', model: 'coder', costUsd: 0.005 }),
      trace({ route: 'default', model: 'cheap', costUsd: 0.0001 }),
      trace({ route: 'unsafe', model: null, status: 'blocked', costUsd: 0, usage: undefined, referenceCostUsd: undefined, savingsUsd: undefined }),
      failed({ route: 'creative' }),
      // A concrete-model request: no router, no route.
      trace({ router: null, route: null, requested: 'strong', model: 'strong', costUsd: 0.01 }),
      trace({ route: 'default', model: 'cheap', status: 'aborted', costUsd: 0.0002 }),
    );
    const stats = traceStats(store.db, {});
    expect(stats.requests).toBe(8);
    expect(stats.statuses).toEqual({ ok: 5, error: 1, blocked: 1, aborted: 1, shutdown: 0 });
    expect(stats.routes).toEqual([
      { name: 'auto/code', requests: 3, share: 3 / 8 },
      { name: 'auto/default', requests: 2, share: 2 / 8 },
      { name: 'auto/creative', requests: 1, share: 1 / 8 },
      { name: 'auto/unsafe', requests: 1, share: 1 / 8 },
      { name: 'none/none', requests: 1, share: 1 / 8 },
    ]);
    expect(stats.models.map(({ name, requests, share }) => ({ name, requests, share }))).toEqual([
      { name: 'coder', requests: 3, share: 3 / 8 },
      { name: 'cheap', requests: 2, share: 2 / 8 },
      // Blocked and failed requests served no model.
      { name: 'none', requests: 2, share: 2 / 8 },
      { name: 'strong', requests: 1, share: 1 / 8 },
    ]);
    const costOf = (name: string): number | undefined => stats.models.find((row) => row.name === name)?.costUsd;
    expect(costOf('coder')).toBeCloseTo(0.01, 12);
    expect(costOf('cheap')).toBeCloseTo(0.0003, 12);
    expect(costOf('none')).toBe(0);
    expect(stats.errorRate).toBe(1 / 8);
    // Shares of routes and of models each add up to all requests.
    expect(stats.routes.reduce((sum, row) => sum + row.share, 0)).toBeCloseTo(1, 12);
    expect(stats.models.reduce((sum, row) => sum + row.requests, 0)).toBe(8);
  });

  it('counts a fallback rate over served requests only, and a retry rate over all requests', () => {
    record(
      failedOver(),
      trace(),
      trace(),
      trace(),
      // Not served: not in the fallback rate's denominator.
      failed(),
      failed(),
      // A retry of the same model: a retry, not a fallback.
      trace({ attempts: [attempt('coder', { outcome: 'error', usage: undefined }), attempt('coder', { retry: 1 })] }),
      // A classifier call that was retried is routing, not an answer retry.
      trace({ attempts: [attempt('cheap', { role: 'classifier', outcome: 'error', usage: undefined }), attempt('cheap', { role: 'classifier', retry: 1 }), attempt('coder')] }),
    );
    const stats = traceStats(store.db, {});
    expect(stats.requests).toBe(8);
    // 6 served (2 failed), 1 of them by a fallback.
    expect(stats.fallbackRate).toBe(1 / 6);
    expect(stats.retryRate).toBe(1 / 8);
    expect(stats.errorRate).toBe(2 / 8);
  });

  it('does not count a cascade escalation as a fallback, but a fallback inside a step', () => {
    const cascade: Partial<Decision> = { policy: 'cascade', candidates: [{ ...candidate('cheap'), step: 0 }, { ...candidate('strong'), step: 1 }, { ...candidate('coder', 'fallback'), step: 1 }] };
    record(
      trace({ model: 'strong', attempts: [attempt('cheap', { step: 0, outcome: 'rejected' }), attempt('strong', { step: 1 })] }, cascade),
      trace({ model: 'coder', attempts: [attempt('cheap', { step: 0, outcome: 'rejected' }), attempt('strong', { step: 1, outcome: 'error', usage: undefined }), attempt('coder', { step: 1 })] }, cascade),
    );
    expect(traceStats(store.db, {}).fallbackRate).toBe(1 / 2);
  });

  it('sums known costs, reference costs and savings, and counts the requests whose cost is unknown', () => {
    record(
      trace({ costUsd: 0.001, referenceCostUsd: 0.01, savingsUsd: 0.009 }),
      trace({ costUsd: 0.002, referenceCostUsd: 0.02, savingsUsd: 0.018 }),
      // Served without usage: cost unknown, left out of the sums (not counted as 0 either way).
      trace({ costUsd: undefined, referenceCostUsd: undefined, savingsUsd: undefined, usage: undefined }),
      // A dearer model than the reference: negative savings count too.
      trace({ costUsd: 0.05, referenceCostUsd: 0.03, savingsUsd: -0.02 }),
      failed(),
      // A block costs nothing, and that is known.
      trace({ model: null, route: 'unsafe', status: 'blocked', costUsd: 0, usage: undefined, referenceCostUsd: undefined, savingsUsd: undefined }),
    );
    const stats = traceStats(store.db, {});
    expect(stats.costUsd).toBeCloseTo(0.053, 12);
    expect(stats.referenceCostUsd).toBeCloseTo(0.06, 12);
    expect(stats.savingsUsd).toBeCloseTo(0.007, 12);
    expect(stats.unknownCost).toBe(2);
  });

  it('filters by router', () => {
    record(trace({ router: 'auto', costUsd: 0.001 }), trace({ router: 'auto', costUsd: 0.002 }), trace({ router: 'other', costUsd: 0.5 }), trace({ router: null, route: null, costUsd: 0.7 }));
    const stats = traceStats(store.db, { router: 'auto' });
    expect(stats.requests).toBe(2);
    expect(stats.routes).toEqual([{ name: 'auto/code', requests: 2, share: 1 }]);
    expect(stats.costUsd).toBeCloseTo(0.003, 12);
    expect(traceStats(store.db, { router: 'other' }).requests).toBe(1);
    expect(traceStats(store.db, { router: 'missing' }).requests).toBe(0);
  });

  it('bounds the period by since (inclusive) and until (exclusive)', () => {
    for (const offset of [0, 999, 1000, 1500, 1999, 2000, 3000]) record(trace({ startedAt: T0 + offset, latencyMs: offset }));
    const stats = traceStats(store.db, { since: T0 + 1000, until: T0 + 2000 });
    expect(stats.requests).toBe(3);
    expect(stats.since).toBe(T0 + 1000);
    expect(stats.until).toBe(T0 + 2000);
    // 1000, 1500, 1999 → p50 = 2nd.
    expect(stats.latencyMs).toEqual({ p50: 1500, p90: 1999, p99: 1999 });
    expect(traceStats(store.db, { since: T0 + 2000 }).requests).toBe(2);
    expect(traceStats(store.db, { until: T0 + 999 }).requests).toBe(1);
    expect(traceStats(store.db, { until: T0 + 1000 }).requests).toBe(2);
    expect(traceStats(store.db, { since: T0 + 5000 }).requests).toBe(0);
  });

  it('leaves the timeline out unless a bucket size is asked for', () => {
    record(trace());
    expect(traceStats(store.db, {}).timeline).toBeUndefined();
    expect(traceStats(store.db, { bucketMs: 60_000 }).timeline).toHaveLength(1);
  });

  it('groups requests into buckets of bucket_ms, oldest first, only buckets with requests', () => {
    const minute = 60_000;
    const base = Math.floor(T0 / minute) * minute;
    record(
      trace({ startedAt: base + 1_000, latencyMs: 100, costUsd: 0.001, referenceCostUsd: 0.01 }),
      trace({ startedAt: base + 59_999, latencyMs: 300, costUsd: 0.002, referenceCostUsd: 0.02 }),
      failed({ startedAt: base + 30_000, latencyMs: 200 }),
      // Nothing in the second minute.
      failedOver({ startedAt: base + 2 * minute, latencyMs: 50, costUsd: 0.004, referenceCostUsd: 0.04 }),
      trace({ startedAt: base + 2 * minute + 59_000, latencyMs: 150, costUsd: 0.008, referenceCostUsd: 0.08 }),
    );
    const timeline = traceStats(store.db, { bucketMs: minute }).timeline ?? [];
    expect(timeline).toHaveLength(2);
    expect(timeline[0]).toMatchObject({ start: base, requests: 3, errors: 1, fallbacks: 0, meanLatencyMs: 200 });
    expect(timeline[0]?.costUsd).toBeCloseTo(0.003, 12);
    expect(timeline[0]?.referenceCostUsd).toBeCloseTo(0.03, 12);
    expect(timeline[1]).toMatchObject({ start: base + 2 * minute, requests: 2, errors: 0, fallbacks: 1, meanLatencyMs: 100 });
    expect(timeline[1]?.costUsd).toBeCloseTo(0.012, 12);
    expect(timeline[1]?.referenceCostUsd).toBeCloseTo(0.12, 12);
  });

  it('applies the router filter and the period to the timeline too', () => {
    const minute = 60_000;
    const base = Math.floor(T0 / minute) * minute;
    // One request per bucket, so the grouping itself (see above) does not matter here.
    record(trace({ startedAt: base, router: 'auto' }), trace({ startedAt: base + minute, router: 'other' }), trace({ startedAt: base + 2 * minute, router: 'auto' }), trace({ startedAt: base + 3 * minute, router: 'auto' }));
    const timeline = traceStats(store.db, { bucketMs: minute, router: 'auto', until: base + 3 * minute }).timeline ?? [];
    expect(timeline.map((bucket) => [bucket.start, bucket.requests])).toEqual([
      [base, 1],
      [base + 2 * minute, 1],
    ]);
  });
});

describe('traceStats by key and team', () => {
  const keyA = { keyId: 'key_a', keyName: 'app-a', team: 'billing' };
  const keyB = { keyId: 'key_b', keyName: 'app-b', team: 'billing' };
  const keyC = { keyId: 'key_c', keyName: 'app-c' };

  /** Three keys (two in billing, one without a team) and two requests without a key. */
  function recordTraffic(): void {
    record(
      trace({ caller: keyA, costUsd: 0.001, referenceCostUsd: 0.01, savingsUsd: 0.009, latencyMs: 100 }),
      trace({ caller: keyA, costUsd: 0.002, referenceCostUsd: 0.02, savingsUsd: 0.018, latencyMs: 300, usage: usage(5, 7) }),
      failed({ caller: keyA, latencyMs: 50 }),
      trace({ caller: keyB, costUsd: 0.004, referenceCostUsd: 0.005, savingsUsd: 0.001, latencyMs: 200 }),
      trace({ caller: keyC, costUsd: 0.0005, referenceCostUsd: 0.0005, savingsUsd: 0, latencyMs: 10 }),
      trace({ costUsd: 0.01, referenceCostUsd: 0.02, savingsUsd: 0.01, latencyMs: 400 }),
      trace({ costUsd: 0.02, referenceCostUsd: 0.02, savingsUsd: 0, latencyMs: 500, router: 'other' }),
    );
  }

  it('splits the figures per key, the dearest first, with the key store\'s name and team, and the requests without a key apart', () => {
    recordTraffic();
    const keys = new SqliteKeyStore(store.db);
    // The key store names a key as it is now: app-a was renamed since its requests.
    const issued = keys.create({ name: 'first-name', team: 'billing' });
    store.db.prepare('UPDATE virtual_keys SET id = ?, name = ? WHERE id = ?').run('key_a', 'app-a-renamed', issued.key.id);
    const stats = traceStats(store.db, { by: 'key' });
    expect(stats.requests).toBe(7);
    expect(stats.groups?.map((group) => [group.id, group.name, group.team, group.requests])).toEqual([
      [null, null, null, 2],
      ['key_b', null, 'billing', 1],
      ['key_a', 'app-a-renamed', 'billing', 3],
      ['key_c', null, null, 1],
    ]);
    const a = stats.groups?.find((group) => group.id === 'key_a');
    expect(a?.costUsd).toBeCloseTo(0.003, 12);
    expect(a?.referenceCostUsd).toBeCloseTo(0.03, 12);
    expect(a?.savingsUsd).toBeCloseTo(0.027, 12);
    expect(a).toMatchObject({ errors: 1, errorRate: 1 / 3, unknownCost: 1, inputTokens: 15, outputTokens: 27 });
    // 50 100 300 → p50 = 2nd, p90 = p99 = 3rd.
    expect(a?.latencyMs).toEqual({ p50: 100, p90: 300, p99: 300 });
    // The groups add up to the totals.
    expect(stats.groups?.reduce((sum, group) => sum + group.requests, 0)).toBe(stats.requests);
    expect(stats.groups?.reduce((sum, group) => sum + group.costUsd, 0)).toBeCloseTo(stats.costUsd, 12);
    expect(stats.groups?.reduce((sum, group) => sum + group.savingsUsd, 0)).toBeCloseTo(stats.savingsUsd, 12);
  });

  it('splits the figures per team, a key without a team with the requests without a key', () => {
    recordTraffic();
    const groups = traceStats(store.db, { by: 'team' }).groups ?? [];
    expect(groups.map((group) => [group.id, group.requests])).toEqual([
      [null, 3],
      ['billing', 4],
    ]);
    expect(groups[1]?.costUsd).toBeCloseTo(0.007, 12);
    expect(groups[1]?.latencyMs).toEqual({ p50: 100, p90: 300, p99: 300 });
    expect(groups[1]).not.toHaveProperty('name');
    expect(traceStats(store.db, {}).groups).toBeUndefined();
  });

  it('narrows to one key, one team or the requests without a key, grouped or not', () => {
    recordTraffic();
    const own = traceStats(store.db, { keyId: 'key_a', by: 'key' });
    expect(own.requests).toBe(3);
    expect(own.costUsd).toBeCloseTo(0.003, 12);
    expect(own.groups?.map((group) => group.id)).toEqual(['key_a']);
    const team = traceStats(store.db, { team: 'billing', by: 'key' });
    expect(team.requests).toBe(4);
    expect(team.groups?.map((group) => group.id)).toEqual(['key_b', 'key_a']);
    const keyless = traceStats(store.db, { withoutKey: true, by: 'team', bucketMs: 60_000 });
    expect(keyless.requests).toBe(2);
    expect(keyless.costUsd).toBeCloseTo(0.03, 12);
    expect(keyless.timeline?.reduce((sum, bucket) => sum + bucket.requests, 0)).toBe(2);
    // With the router filter as well.
    expect(traceStats(store.db, { withoutKey: true, router: 'other' }).requests).toBe(1);
    expect(traceStats(store.db, { keyId: 'key_missing' }).requests).toBe(0);
  });
});
