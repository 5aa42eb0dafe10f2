import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { startServer } from '../../src/server/create-server.js';
import { SqliteTraceStore, type TraceStoreOptions } from '../../src/telemetry/sqlite-trace-store.js';
import type { TraceStoreCounts } from '../../src/telemetry/trace-ledger.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { openaiClient } from '../support/policy-test-helpers.js';
import { testConfig, type TestGateway } from '../support/start-gateway.js';

/**
 * Traces under faults of the database: locked by another process, a full disk, a read-only file.
 * Every request answered is a trace written or a drop counted by cause, exactly, in the store's
 * counts, `/v1/stats` and `/metrics`; and the traces API answers meanwhile.
 */

let upstream: FakeUpstream;
let dir: string;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.respond({ type: 'completion', text: 'ok', usage: { prompt_tokens: 5, completion_tokens: 1 } });
  dir = mkdtempSync(join(tmpdir(), 'switchyard-trace-loss-'));
});

afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type StoreGateway = TestGateway & { store: SqliteTraceStore; errors: string[] };

/** A real gateway writing its traces to `path`, with the store's options (a short retry budget) and its errors collected. */
async function startWithStore(path: string, options: Partial<TraceStoreOptions> = {}): Promise<StoreGateway> {
  const config = parseConfig(`storage:\n  path: "${path}"\n${testConfig(upstream.url)}`, 'test.yaml', { env: {} });
  const errors: string[] = [];
  const store = SqliteTraceStore.open({ path, retention: config.storage.retention, batchMs: 5, onError: (message) => errors.push(message), ...options });
  const gateway = await Gateway.create(config, { store });
  const running = await startServer(gateway, pino({ level: 'silent' }), { host: '127.0.0.1', port: 0 });
  return { ...running, gateway, baseURL: `${running.url}/v1`, store, errors };
}

/** Chat requests from `concurrency` clients until `stop()` resolves: how many were answered. */
async function load(client: OpenAI, stop: Promise<void>, concurrency = 6): Promise<number> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  let answered = 0;
  const worker = async (): Promise<void> => {
    while (!stopped) {
      const completion = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] });
      expect(completion.choices[0]?.message.content).toBe('ok');
      answered++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answered;
}

/** Holds the database's write lock from another connection for `ms`, like a backup or a long transaction. */
async function lockFor(path: string, ms: number): Promise<void> {
  const other = new Database(path);
  other.exec('BEGIN EXCLUSIVE');
  await sleep(ms);
  other.exec('COMMIT');
  other.close();
}

function storedRows(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM traces').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** `switchyard_traces_dropped_total{cause}` as scraped. */
async function droppedMetric(running: TestGateway): Promise<Record<string, number>> {
  const text = await (await fetch(`${running.url}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(/^switchyard_traces_dropped_total\{cause="(\w+)"\} (\d+)$/gm)].map((match) => [match[1], Number(match[2])]));
}

describe('a database locked by another connection', () => {
  it('loses nothing when the lock is shorter than the retries, and GET /v1/traces answers within a second meanwhile', async () => {
    const path = join(dir, 'short-lock.db');
    const running = await startWithStore(path);
    const client = openaiClient(running);
    await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'warm up' }] });
    const lock = lockFor(path, 2_500);
    const reads = (async () => {
      await sleep(500);
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const listed = await fetch(`${running.baseURL}/traces?limit=5`);
        times.push(performance.now() - started);
        expect(listed.status).toBe(200);
        await sleep(200);
      }
      return times;
    })();
    const answered = (await load(client, lock)) + 1;
    const times = await reads;
    for (const time of times) expect(time).toBeLessThan(1_000);
    await running.store.flush();
    const stats = (await (await fetch(`${running.baseURL}/stats`)).json()) as { requests: number; traceStore: TraceStoreCounts };
    expect(stats.traceStore).toEqual({ recorded: answered, written: answered, pendingTraces: 0, pendingBytes: 0, dropped: { locked: 0, full: 0, read_only: 0, backlog: 0, other: 0 } });
    expect(stats.requests).toBe(answered);
    await running.close();
    expect(storedRows(path)).toBe(answered);
  }, 20_000);

  it('counts every trace it drops after the retries as locked: stored + dropped = answered, exactly, in the counts, /v1/stats and /metrics', async () => {
    const path = join(dir, 'long-lock.db');
    const running = await startWithStore(path, { retryMs: 500 });
    const client = openaiClient(running);
    const answered = await load(client, lockFor(path, 2_000));
    // After the lock: a few more, written.
    const after = await load(client, sleep(300));
    await running.store.flush();
    const counts = running.store.counts();
    expect(counts.dropped.locked).toBeGreaterThan(0);
    expect(counts).toMatchObject({ recorded: answered + after, pendingTraces: 0, pendingBytes: 0, dropped: { full: 0, read_only: 0, backlog: 0, other: 0 } });
    expect(counts.written + counts.dropped.locked).toBe(answered + after);
    const stats = (await (await fetch(`${running.baseURL}/stats`)).json()) as { requests: number; traceStore: TraceStoreCounts };
    expect(stats.traceStore).toEqual(counts);
    expect(stats.requests).toBe(counts.written);
    expect(await droppedMetric(running)).toEqual({ locked: counts.dropped.locked, full: 0, read_only: 0, backlog: 0, other: 0 });
    await running.close();
    expect(storedRows(path) + counts.dropped.locked).toBe(answered + after);
    const reported = running.errors.flatMap((message) => [...message.matchAll(/^(\d+) trace\(s\) dropped: \d+ locked/g)].map((match) => Number(match[1])));
    expect(reported.reduce((sum, count) => sum + count, 0)).toBe(counts.dropped.locked);
  }, 20_000);
});

/** Whether this process may mount a filesystem (root with CAP_SYS_ADMIN): the full-disk test needs a small tmpfs. */
function canMount(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'switchyard-mount-probe-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (mounted) spawnSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  return mounted;
}

/** Fills the filesystem of `path` until it refuses a byte more. */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!canMount())('a full disk (a 2 MB tmpfs; skipped where this process may not mount one)', () => {
  let mountPoint: string;
  beforeAll(() => {
    mountPoint = join(dir, 'tmpfs');
    mkdirSync(mountPoint);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]).status).toBe(0);
  });
  afterAll(() => {
    // Lazy: a connection a failed test left open must not keep the mount (and the temporary directory) behind.
    spawnSync('umount', ['-l', mountPoint]);
  });

  it('counts every trace the full disk refused as full: stored + dropped = answered, exactly; writes again once there is room', async () => {
    const path = join(mountPoint, 'traces.db');
    const running = await startWithStore(path, { retryMs: 500 });
    const client = openaiClient(running);
    fill(join(mountPoint, 'filler'));
    const full = await load(client, sleep(1_500));
    await running.store.flush();
    const during = running.store.counts();
    expect(during.dropped.full).toBeGreaterThan(0);
    expect(during.written + during.dropped.full).toBe(full);
    rmSync(join(mountPoint, 'filler'));
    const after = await load(client, sleep(500));
    await running.store.flush();
    const counts = running.store.counts();
    // Written again once there is room (a batch caught in the change may still go as full: counted all the same).
    expect(counts.written).toBeGreaterThan(during.written);
    expect(counts).toMatchObject({ recorded: full + after, pendingTraces: 0, dropped: { locked: 0, read_only: 0, backlog: 0, other: 0 } });
    expect(counts.written + counts.dropped.full).toBe(full + after);
    expect(await droppedMetric(running)).toMatchObject({ full: counts.dropped.full });
    await running.close();
    expect(storedRows(path) + counts.dropped.full).toBe(full + after);
    expect(running.errors.join('\n')).toMatch(/trace\(s\) dropped: \d+ full \(the disk is full or refused the write/);
  }, 20_000);
});

/** Whether `chattr +i` works here (root, and a filesystem with the immutable flag): root ignores file permissions, not that flag. */
function canMakeImmutable(): boolean {
  const probeDir = mkdtempSync(join(tmpdir(), 'switchyard-chattr-probe-'));
  const probe = join(probeDir, 'probe');
  closeSync(openSync(probe, 'w'));
  const ok = spawnSync('chattr', ['+i', probe]).status === 0;
  if (ok) spawnSync('chattr', ['-i', probe]);
  rmSync(probeDir, { recursive: true, force: true });
  return ok;
}

describe.skipIf(!canMakeImmutable())('a database file that cannot be written (chattr +i; skipped where that is not possible)', () => {
  it('says so loudly at start, serves, reads the old traces, and counts every new trace as dropped read_only', async () => {
    const path = join(dir, 'read-only.db');
    const first = await startWithStore(path);
    const client = openaiClient(first);
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'before' }] });
    await first.close();
    expect(spawnSync('chattr', ['+i', path]).status).toBe(0);
    try {
      const running = await startWithStore(path);
      expect(running.errors.join('\n')).toMatch(/cannot be written \(attempt to write a readonly database\): the gateway serves, but no trace will be stored/);
      const answered = await load(openaiClient(running), sleep(500), 2);
      await running.store.flush();
      expect(running.store.counts()).toEqual({ recorded: answered, written: 0, pendingTraces: 0, pendingBytes: 0, dropped: { locked: 0, full: 0, read_only: answered, backlog: 0, other: 0 } });
      const listed = (await (await fetch(`${running.baseURL}/traces`)).json()) as { data: unknown[] };
      expect(listed.data).toHaveLength(3);
      expect(await droppedMetric(running)).toMatchObject({ read_only: answered });
      await running.close();
      expect(running.errors.join('\n')).toMatch(new RegExp(`${answered} dropped since start`));
    } finally {
      spawnSync('chattr', ['-i', path]);
    }
  }, 20_000);
});

describe('the traces API', () => {
  it('answers a trace id that is not valid percent-encoding with a 400, not a 500', async () => {
    const running = await startWithStore(join(dir, 'api.db'));
    try {
      const response = await fetch(`${running.baseURL}/traces/%E0%A4%A`);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { type: string; param: string; message: string } };
      expect(body.error).toMatchObject({ type: 'invalid_request_error', param: 'id' });
      expect(body.error.message).toContain('not valid percent-encoding');
    } finally {
      await running.close();
    }
  });
});
