import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { startServer, type RunningServer } from '../../src/server/create-server.js';
import { PostgresTraceStore } from '../../src/telemetry/postgres/postgres-trace-store.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { postgresMissing, startPostgres, type PostgresServer } from '../support/local-servers.js';
import { freshDatabase, queryDatabase } from '../support/postgres-database.js';
import { testConfig } from '../support/start-gateway.js';

/**
 * PostgreSQL stopped under load (a fast shutdown, then started again on the same port): the gateway
 * keeps answering, holds the traces in memory up to the store's bound and writes every one of them
 * when PostgreSQL is back (counted in the table: none lost); past a tiny bound the drops are counted
 * (`backlog`) and reported in the log, in /metrics and in /v1/stats.
 */

let postgres: PostgresServer;
let upstream: FakeUpstream;

beforeAll(async () => {
  if (postgresMissing !== undefined) return;
  [postgres, upstream] = await Promise.all([startPostgres(), startFakeUpstream()]);
}, 60_000);

afterAll(async () => {
  await upstream?.close();
  await postgres?.stop();
});

type Running = { server: RunningServer; store: PostgresTraceStore; url: string; errors: string[]; close(): Promise<void> };

async function start(maxPendingBytes?: number): Promise<Running> {
  const url = await freshDatabase(postgres);
  const errors: string[] = [];
  const config = parseConfig(testConfig(upstream.url), 'test.yaml', { env: {} });
  const store = await PostgresTraceStore.open({ url, retention: config.storage.retention, batchMs: 10, maxPendingBytes, onError: (message) => errors.push(message) });
  const gateway = await Gateway.create(config, { store, sinks: [] });
  const server = await startServer(gateway, pino({ level: 'silent' }), { host: '127.0.0.1', port: 0 });
  return { server, store, url, errors, close: async () => void (await server.close()) };
}

async function chat(base: string, n: number): Promise<number> {
  const response = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: `hello ${n}` }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** `count` requests, `concurrency` at a time, from `first` on: their statuses. */
async function load(base: string, first: number, count: number, concurrency = 4): Promise<number[]> {
  const statuses: number[] = [];
  let next = first;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < first + count) statuses.push(await chat(base, next++));
    }),
  );
  return statuses;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const storedTraces = async (url: string): Promise<number> => (await queryDatabase<{ n: number }>(url, 'SELECT COUNT(*)::int AS n FROM traces'))[0]?.n ?? -1;

describe.skipIf(postgresMissing !== undefined)('PostgreSQL stopped under load', () => {
  it('keeps answering, holds the traces within the bound and writes every one when PostgreSQL is back', async () => {
    const gateway = await start();
    try {
      const before = await load(gateway.server.url, 0, 20);
      await until(async () => (await storedTraces(gateway.url)) === 20);
      // Stopped in the middle of a load: requests in flight while it goes down, and 30 more during the outage.
      const during = load(gateway.server.url, 20, 10, 2);
      await postgres.pause();
      const outage = [...(await during), ...(await load(gateway.server.url, 30, 30))];
      expect([...before, ...outage].every((status) => status === 200)).toBe(true);
      // Reads cannot be served from a database that is down: a prompt 503 to retry, not a hang.
      const started = Date.now();
      expect((await fetch(`${gateway.server.url}/v1/traces`)).status).toBe(503);
      expect(Date.now() - started).toBeLessThan(5_000);
      await until(() => gateway.errors.some((line) => line.startsWith('cannot write to PostgreSQL')));
      const held = gateway.store.counts();
      expect(held.dropped).toEqual({ locked: 0, full: 0, read_only: 0, backlog: 0, other: 0 });
      expect(held.pendingTraces).toBeGreaterThanOrEqual(30);
      expect(held.written + held.pendingTraces).toBe(60);

      await postgres.start();
      expect(await gateway.store.flush(20_000)).toBe(true);
      expect(await storedTraces(gateway.url)).toBe(60);
      expect(gateway.store.counts()).toMatchObject({ recorded: 60, written: 60, pendingTraces: 0, pendingBytes: 0 });
      expect(gateway.errors.some((line) => line.startsWith('writing to PostgreSQL again after'))).toBe(true);
      const stats = (await (await fetch(`${gateway.server.url}/v1/stats`)).json()) as { requests: number; traceStore: { written: number } };
      expect(stats).toMatchObject({ requests: 60, traceStore: { written: 60 } });
    } finally {
      await postgres.start().catch(() => undefined);
      await gateway.close();
    }
  }, 60_000);

  it('past a tiny bound drops the newest traces, counts them (backlog) and reports them in the log, /metrics and /v1/stats', async () => {
    // Room for about three traces of these requests.
    const gateway = await start(12_000);
    try {
      await postgres.pause();
      const statuses = await load(gateway.server.url, 0, 12, 1);
      expect(statuses.every((status) => status === 200)).toBe(true);
      await until(() => gateway.store.counts().recorded === 12);
      const { dropped, pendingTraces } = gateway.store.counts();
      expect(dropped.backlog).toBeGreaterThan(0);
      expect(pendingTraces).toBeGreaterThan(0);
      expect(pendingTraces + dropped.backlog).toBe(12);
      await until(() => gateway.errors.some((line) => line.includes(' backlog (too many bytes of traces were waiting')));
      const metrics = await (await fetch(`${gateway.server.url}/metrics`)).text();
      expect(metrics).toContain(`switchyard_traces_dropped_total{cause="backlog"} ${dropped.backlog}`);

      await postgres.start();
      expect(await gateway.store.flush(20_000)).toBe(true);
      expect(await storedTraces(gateway.url)).toBe(pendingTraces);
      const stats = (await (await fetch(`${gateway.server.url}/v1/stats`)).json()) as { requests: number; traceStore: { written: number; dropped: { backlog: number } } };
      expect(stats).toMatchObject({ requests: pendingTraces, traceStore: { written: pendingTraces, dropped: { backlog: dropped.backlog } } });
    } finally {
      await postgres.start().catch(() => undefined);
      await gateway.close();
    }
  }, 60_000);

  it('at close, gives PostgreSQL closeWaitMs more, then drops what it still holds and says how many', async () => {
    const url = await freshDatabase(postgres);
    const errors: string[] = [];
    const store = await PostgresTraceStore.open({ url, retention: undefined, batchMs: 5, closeWaitMs: 300, onError: (message) => errors.push(message) });
    await postgres.pause();
    try {
      const config = parseConfig(testConfig(upstream.url), 'test.yaml', { env: {} });
      const gateway = await Gateway.create(config, { store, sinks: [] });
      const server = await startServer(gateway, pino({ level: 'silent' }), { host: '127.0.0.1', port: 0 });
      expect((await load(server.url, 0, 5, 1)).every((status) => status === 200)).toBe(true);
      const started = Date.now();
      await server.close();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(store.counts()).toMatchObject({ recorded: 5, written: 0, pendingTraces: 0, dropped: { other: 5 } });
      expect(errors.some((line) => line.startsWith('5 trace(s) dropped: 5 other') && line.includes('PostgreSQL did not answer before the gateway stopped'))).toBe(true);
    } finally {
      await postgres.start();
    }
  }, 30_000);
});
