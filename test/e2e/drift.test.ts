import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDriftMonitor } from '../../src/cli/create-drift-monitor.js';
import { parseConfig } from '../../src/config/load-config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { CachedKeyLookup } from '../../src/keys/cached-key-lookup.js';
import { SqliteKeyStore } from '../../src/keys/sqlite-key-store.js';
import { startServer } from '../../src/server/create-server.js';
import { SqliteTraceStore } from '../../src/telemetry/sqlite-trace-store.js';
import { seededRandom } from '../../src/util/seeded-random.js';
import { capturingLogger } from '../support/capturing-logger.js';
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../support/fake-openai-upstream.js';
import { openaiClient } from '../support/policy-test-helpers.js';
import type { TestGateway } from '../support/start-gateway.js';
import { judgedModelsConfig } from '../support/judged-models-config.js';

/**
 * Drift alarms end to end: a real gateway on the fake upstream, with the drift monitor `serve` builds.
 * The cheap model's answers pass 90% of the time, then half of them fail: scored by a person
 * (`POST /v1/feedback`) or by the shadow judge. The alarm (a warn line, the counter, `/v1/quality`)
 * comes within a bounded number of scores after the change, and nothing fires before it.
 */

type QualityJson = {
  object: 'quality';
  enabled: boolean;
  data: { router: string; route: string | null; model: string; estimate: number; samples: number; level: number | null; level_source: string | null; margin: number; alarm: boolean; alarms: number; points: { at: number; estimate: number }[] }[];
};

/** Scores per model before the change (level learned from the first 100), then up to this many after it. */
const BEFORE = 200;
const AFTER_MAX = 150;
/** The bound the test holds the alarm to; simulated (src/learning/drift-monitor.test.ts) the delay is 7 to 62 scores, median 28. */
const DELAY_BOUND = 100;

let upstream: FakeUpstream;
/** Whether the cheap model now fails half of the time; the judge's draws are seeded. */
let failing = false;
let judgeDraw: () => number;
const dirs: string[] = [];
const running: (TestGateway & { log: string[] })[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.respond((request) => {
    const model = String(request.body?.['model']);
    if (model === 'judge-wire') return { type: 'completion', text: verdict(request), usage: { prompt_tokens: 400, completion_tokens: 20 } };
    return { type: 'completion', text: `Reply from ${model}.`, usage: { prompt_tokens: 100, completion_tokens: 10 } };
  });
});

afterEach(async () => {
  for (const test of running.splice(0)) await test.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  upstream.requests.length = 0;
  failing = false;
});

afterAll(async () => {
  await upstream.close();
});

/** Whether the cheap model's answer passes: 90% of the time, 45% once it is `failing`. */
function cheapPasses(draw: () => number): boolean {
  return draw() < (failing ? 0.45 : 0.9);
}

/** The scripted judge: the strong model's answer is always a 10; the cheap model's a 10 when it passes, else a 0, wherever it was shown. */
function verdict(request: RecordedRequest): string {
  const prompt = String((request.body?.['messages'] as { content: string }[])[1]?.content);
  const cheapIsA = /Answer A:\n<<<\nReply from cheap-wire/.test(prompt);
  const cheap = cheapPasses(judgeDraw) ? 10 : 0;
  return JSON.stringify({ a: cheapIsA ? cheap : 10, b: cheapIsA ? 10 : cheap, reason: 'scripted' });
}

function config(extra: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-drift-'));
  dirs.push(dir);
  return judgedModelsConfig(upstream.url, `{ path: "${join(dir, 'traces.db')}" }`, extra);
}

/** A real gateway writing SQLite, with the drift monitor wired as `switchyard serve` wires it; its log lines land in `log`. */
async function start(extra = ''): Promise<TestGateway & { log: string[] }> {
  const parsed = parseConfig(config(extra), 'test.yaml', { env: {} });
  const store = SqliteTraceStore.open({ path: parsed.storage.path, retention: parsed.storage.retention, batchMs: 5 });
  const log: string[] = [];
  const qualityObserver = createDriftMonitor(parsed, capturingLogger(log), () => gateway.config);
  const gateway: Gateway = await Gateway.create(parsed, { store, random: seededRandom(7), qualityObserver });
  const server = await startServer(gateway, pino({ level: 'silent' }), { host: '127.0.0.1', port: 0 });
  const test = { ...server, gateway, baseURL: `${server.url}/v1`, log };
  running.push(test);
  return test;
}

async function ask(test: TestGateway, index: number): Promise<string> {
  const { response } = await openaiClient(test).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: `Question ${index}` }] }).withResponse();
  return response.headers.get('x-switchyard-trace-id') as string;
}

async function quality(test: TestGateway): Promise<QualityJson> {
  const response = await fetch(`${test.baseURL}/quality`);
  expect(response.status).toBe(200);
  return (await response.json()) as QualityJson;
}

/** `switchyard_quality_*{router="auto",route="none",model}` from /metrics. */
async function qualityMetrics(test: TestGateway, model: string): Promise<{ estimate: number | undefined; samples: number | undefined; alarms: number | undefined }> {
  const text = await (await fetch(`${test.url}/metrics`)).text();
  const value = (name: string): number | undefined => {
    const found = new RegExp(`^${name}\\{router="auto",route="none",model="${model}"\\} (\\S+)$`, 'm').exec(text)?.[1];
    return found === undefined ? undefined : Number(found);
  };
  return { estimate: value('switchyard_quality_estimate'), samples: value('switchyard_quality_samples'), alarms: value('switchyard_quality_drift_alarms_total') };
}

const driftLines = (log: readonly string[]): Record<string, unknown>[] =>
  log.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => String(line['msg']).startsWith('quality drift:'));

/** Before the change: a level learned, a full window near 0.9, and no alarm anywhere. */
async function expectQuietBeforeTheChange(test: TestGateway & { log: string[] }): Promise<void> {
  expect(driftLines(test.log)).toEqual([]);
  const cheap = (await quality(test)).data.find((reading) => reading.model === 'cheap');
  expect(cheap).toMatchObject({ router: 'auto', route: null, samples: 200, level_source: 'baseline', alarm: false, alarms: 0, margin: 0.1 });
  expect(cheap?.estimate).toBeGreaterThan(0.8);
  expect(await qualityMetrics(test, 'cheap')).toEqual({ estimate: cheap?.estimate, samples: 200, alarms: 0 });
}

/** After the change: the warn line with its figures, the counter, and `/v1/quality`, all for the cheap model only. */
async function expectOneAlarm(test: TestGateway & { log: string[] }, after: number): Promise<void> {
  expect(after, 'scores after the change before the alarm').toBeLessThanOrEqual(DELAY_BOUND);
  const [line, ...more] = driftLines(test.log);
  expect(more).toEqual([]);
  expect(line?.['level']).toBe(40);
  const drift = line?.['drift'] as { router: string; route: string | null; model: string; estimate: number; level: number; level_source: string; margin: number; samples: number };
  expect(drift).toMatchObject({ router: 'auto', route: null, model: 'cheap', level_source: 'baseline', margin: 0.1 });
  expect(drift.level).toBeGreaterThan(0.8);
  expect(drift.estimate).toBeLessThan(drift.level - drift.margin);
  expect([30, 60, 120, 200]).toContain(drift.samples);
  expect(String(line?.['msg'])).toContain(`over its latest ${drift.samples} scores`);
  expect((await qualityMetrics(test, 'cheap')).alarms).toBe(1);
  const readings = (await quality(test)).data;
  expect(readings.find((reading) => reading.model === 'cheap')).toMatchObject({ alarm: true, alarms: 1, level: drift.level });
  expect(readings.filter((reading) => reading.alarm).map((reading) => reading.model)).toEqual(['cheap']);
}

describe('drift alarms', () => {
  it('a person’s feedback scores: the cheap model starts failing half of the time, and the alarm fires after the change, not before', async () => {
    const test = await start();
    const draw = seededRandom(11);
    const score = async (index: number): Promise<void> => {
      const id = await ask(test, index);
      const posted = await fetch(`${test.baseURL}/feedback`, { method: 'POST', body: JSON.stringify({ trace_id: id, score: cheapPasses(draw) ? 1 : 0 }) });
      expect(posted.status).toBe(201);
    };
    for (let index = 0; index < BEFORE; index++) await score(index);
    await expectQuietBeforeTheChange(test);

    failing = true;
    let after = 0;
    while (driftLines(test.log).length === 0 && after < AFTER_MAX) await score(BEFORE + after++);
    await expectOneAlarm(test, after);
    // Feedback without a score (a label only) is kept with its trace and scores nothing.
    const id = await ask(test, 10_000);
    expect((await fetch(`${test.baseURL}/feedback`, { method: 'POST', body: JSON.stringify({ trace_id: id, label: 'fine' }) })).status).toBe(201);
    expect((await quality(test)).data.find((reading) => reading.model === 'cheap')?.samples).toBe(200);
  }, 60_000);

  it('the shadow judge’s scores: the cheap model starts failing the judge half of the time, and the alarm fires after the change, not before', async () => {
    judgeDraw = seededRandom(23);
    const test = await start('    shadow: { sample: 1, models: [strong, cheap], judge: { model: judge }, budget_usd_per_day: 100 }');
    expect(test.gateway.shadow).toBeDefined();
    for (let index = 0; index < BEFORE; index++) {
      await ask(test, index);
      await test.gateway.shadow?.idle();
    }
    await expectQuietBeforeTheChange(test);

    failing = true;
    let after = 0;
    while (driftLines(test.log).length === 0 && after < AFTER_MAX) {
      await ask(test, BEFORE + after++);
      await test.gateway.shadow?.idle();
    }
    await expectOneAlarm(test, after);
    // The alternative the judge always likes is scored too, and stays quiet.
    expect((await quality(test)).data.find((reading) => reading.model === 'strong')).toMatchObject({ estimate: 1, alarm: false, alarms: 0 });
  }, 60_000);

  it('shows every estimate (with its configured level) to a static key and none to a virtual key (they mix every caller’s scores), and says when a gateway has no monitor', async () => {
    const parsed = parseConfig(config('server: { api_keys: ["sk-static-drift-0123456789"] }\ndrift: { levels: { cheap: 0.8 } }'), 'test.yaml', { env: {} });
    const store = SqliteTraceStore.open({ path: parsed.storage.path, retention: parsed.storage.retention, batchMs: 5 });
    const keys = new SqliteKeyStore(store.db);
    const { secret } = keys.create({ name: 'app' });
    const qualityObserver = createDriftMonitor(parsed, pino({ level: 'silent' }), () => gateway.config);
    const gateway: Gateway = await Gateway.create(parsed, { store, qualityObserver });
    const server = await startServer(gateway, pino({ level: 'silent' }), { host: '127.0.0.1', port: 0, virtualKeys: new CachedKeyLookup((hash) => keys.findByHash(hash)), keyStore: keys });
    running.push({ ...server, gateway, baseURL: `${server.url}/v1`, log: [] });
    gateway.observeQuality({ router: 'auto', route: undefined, model: 'cheap', score: 0.75, source: 'feedback', traceId: 't1', at: 1 });
    const read = async (key: string | undefined): Promise<{ status: number; body: QualityJson }> => {
      const response = await fetch(`${server.url}/v1/quality`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
      return { status: response.status, body: (await response.json()) as QualityJson };
    };
    const asStatic = await read('sk-static-drift-0123456789');
    expect(asStatic.body.data).toEqual([
      { router: 'auto', route: null, model: 'cheap', estimate: 0.75, samples: 1, level: 0.8, level_source: 'config', margin: 0.1, alarm: false, alarms: 0, points: [{ at: 1, estimate: 0.75 }] },
    ]);
    expect(await read(secret)).toEqual({ status: 200, body: { object: 'quality', enabled: true, data: [] } });
    expect((await read(undefined)).status).toBe(401);

    const bare = await Gateway.create(parseConfig(config(''), 'test.yaml', { env: {} }), {});
    const bareServer = await startServer(bare, pino({ level: 'silent' }), { host: '127.0.0.1', port: 0 });
    running.push({ ...bareServer, gateway: bare, baseURL: `${bareServer.url}/v1`, log: [] });
    expect(await quality({ ...bareServer, gateway: bare, baseURL: `${bareServer.url}/v1` })).toEqual({ object: 'quality', enabled: false, data: [] });
  });
  it('keeps its scores across a config reload, and takes the level from the config serving now', async () => {
    const first = parseConfig(config(''), 'test.yaml', { env: {} });
    let serving = first;
    const qualityObserver = createDriftMonitor(first, pino({ level: 'silent' }), () => serving);
    const gateway = await Gateway.create(first, { qualityObserver });
    gateway.observeQuality({ router: 'auto', route: undefined, model: 'cheap', score: 0.5, source: 'feedback', traceId: 't1', at: 1 });
    expect(gateway.qualityReadings()).toEqual([expect.objectContaining({ samples: 1, level: undefined })]);
    const second = parseConfig(config('drift: { levels: { cheap: 0.7 } }'), 'test.yaml', { env: {} });
    const next = await Gateway.create(second, { predecessor: gateway });
    serving = second;
    await gateway.retire();
    try {
      next.observeQuality({ router: 'auto', route: undefined, model: 'cheap', score: 1, source: 'feedback', traceId: 't2', at: 2 });
      expect(next.qualityReadings()).toEqual([expect.objectContaining({ samples: 2, estimate: 0.75, level: 0.7, levelSource: 'config' })]);
      expect(await next.metrics.render()).toContain('switchyard_quality_level{router="auto",route="none",model="cheap"} 0.7');
    } finally {
      await next.close();
    }
  });
});
