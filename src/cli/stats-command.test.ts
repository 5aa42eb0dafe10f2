import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteKeyStore } from '../keys/sqlite-key-store.js';
import { emptyDecision } from '../spec/empty-decision.js';
import type { Trace, TraceCaller } from '../spec/trace.js';
import { SqliteTraceStore } from '../telemetry/sqlite-trace-store.js';
import type { TraceStats } from '../telemetry/trace-stats.js';
import type { CliIo } from './cli-io.js';
import { statsCommand } from './stats-command.js';

/** `switchyard stats --by key|team`, `--key`, `--team` on a trace store written by the gateway's writer. */

let dir: string;
let path: string;
let keyA: string;
let keyB: string;
let sequence = 0;

function trace(caller: TraceCaller | undefined, costUsd: number): Trace {
  sequence++;
  return {
    id: `trace-${sequence}`,
    startedAt: Date.now() - 60_000 + sequence,
    requested: 'auto',
    prompt: { preview: 'hello', sha256: '0'.repeat(64) },
    router: 'auto',
    route: 'default',
    model: 'cheap',
    stream: false,
    decision: emptyDecision({ requested: 'auto', router: 'auto', route: 'default', policy: 'single', candidates: [{ model: 'cheap', provider: 'fake', source: 'target' }], reference: null }),
    attempts: [],
    skipped: [],
    notes: [],
    usage: { inputTokens: 10, cachedInputTokens: undefined, cacheWriteTokens: undefined, outputTokens: 20, reasoningTokens: undefined, estimated: false },
    costUsd,
    referenceCostUsd: costUsd * 10,
    savingsUsd: costUsd * 9,
    status: 'ok',
    error: undefined,
    latencyMs: 100,
    firstTokenMs: undefined,
    ...(caller ? { caller } : {}),
  };
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`), env: {}, cwd: dir };
  const code = await statsCommand(['--db', path, ...args], io);
  return { code, out, err };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-stats-cli-'));
  path = join(dir, 'traces.db');
  const store = SqliteTraceStore.open({ path, retention: { maxAgeMs: 1e12, maxRows: 1_000 }, batchMs: 1 });
  const keys = new SqliteKeyStore(store.db);
  keyA = keys.create({ name: 'checkout-app', team: 'payments' }).key.id;
  keyB = keys.create({ name: 'search-app' }).key.id;
  const a: TraceCaller = { keyId: keyA, keyName: 'checkout-app', team: 'payments' };
  const b: TraceCaller = { keyId: keyB, keyName: 'search-app' };
  for (const item of [trace(a, 0.002), trace(a, 0.003), trace(b, 0.01), trace(undefined, 0.001)]) store.record(item);
  await store.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('switchyard stats by key and team', () => {
  it('prints a row per key with its name, team, requests and cost, the dearest first', async () => {
    const { code, out } = await run(['--by', 'key']);
    expect(code).toBe(0);
    expect(out).toContain('4 requests');
    const rows = out.split('\n').filter((line) => line.startsWith('key_') || line.startsWith('(no key)'));
    expect(rows.map((line) => line.split(/\s{2,}/).slice(0, 5))).toEqual([
      [keyB, 'search-app', '-', '1', '0.0%'],
      [keyA, 'checkout-app', 'payments', '2', '0.0%'],
      ['(no key)', '-', '-', '1', '0.0%'],
    ]);
    expect(rows[1]).toContain('0.005000');
    expect(rows[1]).toContain('20/40');
  });

  it('prints the groups in JSON, per team, and narrows to one key or team', async () => {
    const byTeam = JSON.parse((await run(['--by', 'team', '--json'])).out) as TraceStats;
    expect(byTeam.groups?.map((group) => [group.id, group.requests])).toEqual([
      [null, 2],
      ['payments', 2],
    ]);
    expect(byTeam.groups?.[0]?.costUsd).toBeCloseTo(0.011, 12);
    const own = JSON.parse((await run(['--key', keyA, '--json'])).out) as TraceStats;
    expect(own.requests).toBe(2);
    expect(own.costUsd).toBeCloseTo(0.005, 12);
    expect(own.groups).toBeUndefined();
    expect((JSON.parse((await run(['--team', 'payments', '--by', 'key', '--json'])).out) as TraceStats).groups?.map((group) => group.id)).toEqual([keyA]);
  });

  it('refuses an unknown grouping with the usage', async () => {
    const { code, err } = await run(['--by', 'model']);
    expect(code).toBe(2);
    expect(err).toContain('--by must be one of key, team; got "model"');
    expect(err).toContain('Usage: switchyard stats');
  });
});
