import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { Logger } from 'pino';
import { capturingLogger } from '../support/capturing-logger.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/run-cli.js';
import { parseScoredData } from '../../src/learning/scored-data.js';
import type { Trace } from '../../src/spec/trace.js';
import { SqliteTraceStore } from '../../src/telemetry/sqlite-trace-store.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/telemetry/trace-store-schema.js';
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../support/fake-openai-upstream.js';
import { CHEAP, CODER, collectStream, openaiClient, STRONG, usd } from '../support/policy-test-helpers.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';
import { emptyDecision } from '../../src/spec/empty-decision.js';

/**
 * The trace store end to end: a burst of mixed traffic through a real gateway writing SQLite, then
 * `switchyard stats`, `/v1/stats`, `/v1/traces` and `/metrics` must agree with each other and with
 * what the test sent; feedback becomes `switchyard export` lines; the provider key is nowhere.
 */

/** The provider key of `testConfig`. */
const SECRET = 'sk-test-secret-key-123456';

/** Fixed usage per wire model, so every cost below is worked out by hand. */
const USAGE: Record<string, { prompt_tokens: number; completion_tokens: number }> = {
  'cheap-wire': { prompt_tokens: 100, completion_tokens: 10 },
  'coder-wire': { prompt_tokens: 200, completion_tokens: 20 },
  'strong-wire': { prompt_tokens: 300, completion_tokens: 30 },
};
const PRICES = { cheap: CHEAP, coder: CODER, strong: STRONG } as const;
const USAGE_OF = { cheap: USAGE['cheap-wire'], coder: USAGE['coder-wire'], strong: USAGE['strong-wire'] } as const;
const costOf = (model: keyof typeof PRICES, price: { input: number; output: number } = PRICES[model]): number =>
  usd(USAGE_OF[model]?.prompt_tokens ?? NaN, USAGE_OF[model]?.completion_tokens ?? NaN, price.input, price.output);

let upstream: FakeUpstream;
let dir: string;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function lastUserText(request: RecordedRequest): string {
  const messages = (request.body?.['messages'] ?? []) as { role: string; content: unknown }[];
  return String(messages.filter((message) => message.role === 'user').at(-1)?.content ?? '');
}

beforeAll(async () => {
  upstream = await startFakeUpstream();
  // "FAIL-HARD" in the prompt: every model fails with a 500 that echoes the provider key back.
  // "FAILOVER": the coder fails (the router's fallback, cheap, answers).
  upstream.respond((request) => {
    const model = String(request.body?.['model']);
    const text = lastUserText(request);
    if (text.includes('FAIL-HARD')) return { type: 'error', status: 500, message: `upstream exploded while checking key ${SECRET}` };
    if (text.includes('FAILOVER') && model === 'coder-wire') return { type: 'error', status: 500, message: `coder is down (key ${SECRET})` };
    return { type: 'completion', text: `Reply from ${model}.`, usage: USAGE[model] ?? { prompt_tokens: 1, completion_tokens: 1 } };
  });
  dir = mkdtempSync(join(tmpdir(), 'switchyard-traces-'));
});

afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

/** testConfig (routes unsafe/code/creative by keywords, billing by metadata, default cheap, fallbacks coder → cheap) writing its traces to `path`. */
function yamlFor(path: string, storage = '', extra = ''): string {
  return `storage:\n  path: "${path}"\n${storage ? `  ${storage}\n` : ''}${testConfig(upstream.url, extra)}`;
}

async function runCliCapture(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`), env: {}, cwd: dir };
  const code = await runCli(args, io);
  return { code, out, err };
}

function captureLogs(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  return { logger: capturingLogger(chunks), text: () => chunks.join('') };
}

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Prometheus text exposition → samples. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsed metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key as string] = value as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

function sumBy(samples: Sample[], name: string, label?: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const sample of samples) {
    if (sample.name !== name) continue;
    const key = label === undefined ? '' : (sample.labels[label] ?? '');
    sums.set(key, (sums.get(key) ?? 0) + sample.value);
  }
  return sums;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** Nearest-rank percentile, computed here independently of the product's. */
function percentile(values: readonly number[], quantile: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(quantile * sorted.length)) - 1] as number;
}

const sorted = (map: Map<string, number>): [string, number][] => [...map].sort(([a], [b]) => a.localeCompare(b));

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown>, text };
}

/** Every page of GET /v1/traces, `limit` at a time, following next_cursor. */
async function allTraces(running: TestGateway, limit: number): Promise<{ traces: Trace[]; pages: number; text: string }> {
  const traces: Trace[] = [];
  let cursor: string | null = null;
  let pages = 0;
  let text = '';
  do {
    const page: { status: number; body: Record<string, unknown>; text: string } = await getJson(`${running.baseURL}/traces?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    const data = page.body['data'] as Trace[];
    expect(page.body['object']).toBe('list');
    expect(data.length).toBeLessThanOrEqual(limit);
    expect(page.body['has_more']).toBe(page.body['next_cursor'] !== null);
    traces.push(...data);
    text += page.text;
    cursor = page.body['next_cursor'] as string | null;
    pages++;
    if (pages > 100) throw new Error('pagination does not end');
  } while (cursor !== null);
  return { traces, pages, text };
}

type Job = {
  text: string;
  stream: boolean;
  route: 'default' | 'code' | 'creative' | 'unsafe';
  /** The model that should serve; null when none does. */
  model: 'cheap' | 'coder' | 'strong' | null;
  status: 'ok' | 'error' | 'blocked';
  fallback: boolean;
};

/** The burst: 40 requests, JSON and streams, three keyword routes and the default, errors, blocks, one failover. */
function burst(): Job[] {
  const jobs: Job[] = [];
  const add = (count: number, job: Omit<Job, 'text'>, text: (n: number) => string): void => {
    for (let index = 0; index < count; index++) jobs.push({ ...job, text: text(jobs.length) });
  };
  const ok = { status: 'ok', fallback: false } as const;
  add(10, { ...ok, stream: false, route: 'default', model: 'cheap' }, (n) => `What is the capital of country number ${n}?`);
  add(4, { ...ok, stream: true, route: 'default', model: 'cheap' }, (n) => `Name a large river, answer ${n}.`);
  add(7, { ...ok, stream: false, route: 'code', model: 'coder' }, (n) => `Please debug this python function, case ${n}.`);
  add(2, { ...ok, stream: true, route: 'code', model: 'coder' }, (n) => `Refactor my loop, case ${n}.`);
  add(1, { status: 'ok', fallback: true, stream: false, route: 'code', model: 'cheap' }, (n) => `Please debug this python FAILOVER, case ${n}.`);
  add(5, { ...ok, stream: false, route: 'creative', model: 'strong' }, (n) => `Write a short poem about the number ${n}.`);
  add(2, { ...ok, stream: true, route: 'creative', model: 'strong' }, (n) => `Tell me a story about the number ${n}.`);
  add(2, { status: 'error', fallback: false, stream: false, route: 'creative', model: null }, (n) => `Write a poem FAIL-HARD ${n}.`);
  add(1, { status: 'error', fallback: false, stream: true, route: 'creative', model: null }, (n) => `Write a story FAIL-HARD ${n}.`);
  add(2, { status: 'error', fallback: false, stream: false, route: 'default', model: null }, (n) => `What is FAIL-HARD number ${n}?`);
  add(3, { status: 'blocked', fallback: false, stream: false, route: 'unsafe', model: null }, (n) => `Explain how to build a bomb, variant ${n}.`);
  add(1, { status: 'blocked', fallback: false, stream: true, route: 'unsafe', model: null }, (n) => `Explain how to build a bomb, variant ${n}.`);
  // A fixed interleaving (7 is coprime with 40), so kinds are mixed within every concurrent wave.
  return jobs.map((_, index) => jobs[(index * 7) % jobs.length] as Job);
}

type Sent = { job: Job; traceId: string; ok: boolean; model: string | undefined; text: string; errorText: string };

async function send(running: TestGateway, job: Job): Promise<Sent> {
  const client = openaiClient(running);
  const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: job.text }];
  try {
    if (job.stream) {
      const { data, response } = await client.chat.completions.create({ model: 'auto', messages, stream: true }).withResponse();
      const { chunks, text } = await collectStream(data);
      return { job, traceId: response.headers.get('x-switchyard-trace-id') ?? '', ok: true, model: chunks[0]?.model, text, errorText: '' };
    }
    const { data, response } = await client.chat.completions.create({ model: 'auto', messages }).withResponse();
    return { job, traceId: response.headers.get('x-switchyard-trace-id') ?? '', ok: true, model: data.model, text: data.choices[0]?.message.content ?? '', errorText: '' };
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    return { job, traceId: error.headers?.get('x-switchyard-trace-id') ?? '', ok: false, model: undefined, text: '', errorText: `${error.message} ${JSON.stringify(error.error)}` };
  }
}

describe('a burst of mixed traffic through a gateway writing SQLite', () => {
  const path = (): string => join(dir, 'burst.db');
  let running: TestGateway;
  let logs: ReturnType<typeof captureLogs>;
  let jobs: Job[];
  let sent: Sent[];
  let listed: { traces: Trace[]; pages: number; text: string };
  let stats: { status: number; body: Record<string, unknown>; text: string };
  let metricsText: string;
  let cli: { code: number; out: string; err: string };

  beforeAll(async () => {
    logs = captureLogs();
    running = await startGateway(yamlFor(path()), {}, { store: true, logger: logs.logger });
    jobs = burst();
    sent = [];
    // Five waves of eight concurrent requests.
    for (let start = 0; start < jobs.length; start += 8) sent.push(...(await Promise.all(jobs.slice(start, start + 8).map((job) => send(running, job)))));
    // Streams are traced when they end, which may be just after the client read [DONE].
    await vi.waitFor(() => {
      if (!sent.every((item) => running.gateway.traces.get(item.traceId) !== undefined)) throw new Error('a trace is missing');
    });
    listed = await allTraces(running, 7);
    stats = await getJson(`${running.baseURL}/stats`);
    const metrics = await fetch(`${running.url}/metrics`);
    expect(metrics.status).toBe(200);
    metricsText = await metrics.text();
    await running.gateway.store.flush();
    cli = await runCliCapture(['stats', '--db', path(), '--json']);
  }, 30_000);

  afterAll(async () => {
    await running?.close();
  });

  it('answered what was scripted: each client got its answer, its block or its error, with a trace id', () => {
    expect(sent).toHaveLength(40);
    expect(new Set(sent.map((item) => item.traceId)).size).toBe(40);
    for (const item of sent) {
      expect(item.traceId, item.job.text).toMatch(/^[0-9a-f-]{36}$/);
      expect(item.ok, item.job.text).toBe(item.job.status !== 'error');
      if (item.job.status === 'ok') {
        expect(item.model, item.job.text).toBe(item.job.model);
        expect(item.text, item.job.text).toBe(`Reply from ${item.job.model}-wire.`);
      }
      if (item.job.status === 'blocked') expect(item.text).toBe("I can't help with that request.");
    }
  });

  it('lists every request once through /v1/traces, newest first, 7 per page', () => {
    const { traces, pages } = listed;
    expect(pages).toBe(6);
    expect(traces).toHaveLength(40);
    expect(new Set(traces.map((trace) => trace.id))).toEqual(new Set(sent.map((item) => item.traceId)));
    for (let index = 1; index < traces.length; index++) {
      const [newer, older] = [traces[index - 1] as Trace, traces[index] as Trace];
      expect(newer.startedAt > older.startedAt || (newer.startedAt === older.startedAt && newer.id > older.id)).toBe(true);
    }
    const byId = new Map(traces.map((trace) => [trace.id, trace]));
    for (const item of sent) {
      const trace = byId.get(item.traceId) as Trace;
      expect({ route: trace.route, model: trace.model, status: trace.status, stream: trace.stream, router: trace.router }, item.job.text).toEqual({
        route: item.job.route,
        model: item.job.model,
        status: item.job.status,
        stream: item.job.stream,
        router: 'auto',
      });
    }
    const failover = traces.find((trace) => trace.prompt.preview.includes('FAILOVER')) as Trace;
    expect(failover.attempts.map((attempt) => [attempt.model, attempt.outcome, attempt.error?.status])).toEqual([
      ['coder', 'error', 500],
      ['cheap', 'ok', undefined],
    ]);
  });

  it('switchyard stats --json prints the same figures as GET /v1/stats, and both match what was sent', () => {
    expect(cli.code, cli.err).toBe(0);
    expect(stats.status).toBe(200);
    const fromCli = JSON.parse(cli.out) as Record<string, unknown>;
    // The store's counts (written, dropped, pending) are the live gateway's: the CLI reads the file only.
    const { object, traceStore, ...fromApi } = stats.body;
    expect(object).toBe('stats');
    expect(fromCli).toEqual(fromApi);
    expect(traceStore).toMatchObject({ written: fromApi['requests'], pendingTraces: 0, dropped: { locked: 0, full: 0, read_only: 0, backlog: 0, other: 0 } });

    const body = stats.body as unknown as {
      requests: number;
      statuses: Record<string, number>;
      routes: { name: string; requests: number; share: number }[];
      models: { name: string; requests: number; share: number; costUsd: number }[];
      fallbackRate: number;
      retryRate: number;
      errorRate: number;
      costUsd: number;
      referenceCostUsd: number;
      savingsUsd: number;
      unknownCost: number;
      latencyMs: { p50: number; p90: number; p99: number };
      firstTokenMs: { p50: number; p90: number; p99: number };
    };
    // Counted from the jobs sent, not from the store.
    expect(body.requests).toBe(40);
    expect(body.statuses).toEqual({ ok: 31, error: 5, blocked: 4, aborted: 0, shutdown: 0 });
    expect(sorted(new Map(body.routes.map((row) => [row.name, row.requests])))).toEqual(sorted(countBy(jobs, (job) => `auto/${job.route}`)));
    expect(sorted(new Map(body.routes.map((row) => [row.name, row.requests])))).toEqual([
      ['auto/code', 10],
      ['auto/creative', 10],
      ['auto/default', 16],
      ['auto/unsafe', 4],
    ]);
    for (const row of body.routes) expect(row.share).toBeCloseTo(row.requests / 40, 12);
    expect(sorted(new Map(body.models.map((row) => [row.name, row.requests])))).toEqual([
      ['cheap', 15],
      ['coder', 9],
      ['none', 9],
      ['strong', 7],
    ]);
    for (const row of body.models) expect(row.share).toBeCloseTo(row.requests / 40, 12);
    const modelCost = (name: string): number | undefined => body.models.find((row) => row.name === name)?.costUsd;
    expect(modelCost('cheap')).toBeCloseTo(15 * costOf('cheap'), 12);
    expect(modelCost('coder')).toBeCloseTo(9 * costOf('coder'), 12);
    expect(modelCost('strong')).toBeCloseTo(7 * costOf('strong'), 12);
    expect(modelCost('none')).toBe(0);

    const expectedCost = 15 * costOf('cheap') + 9 * costOf('coder') + 7 * costOf('strong');
    const expectedReference = 15 * costOf('cheap', STRONG) + 9 * costOf('coder', STRONG) + 7 * costOf('strong', STRONG);
    expect(body.costUsd).toBeCloseTo(expectedCost, 12);
    expect(body.referenceCostUsd).toBeCloseTo(expectedReference, 12);
    expect(body.savingsUsd).toBeCloseTo(expectedReference - expectedCost, 12);
    // The five failed requests have no usage: their cost is unknown, not 0.
    expect(body.unknownCost).toBe(5);
    expect(body.fallbackRate).toBeCloseTo(1 / 31, 12);
    expect(body.retryRate).toBe(0);
    expect(body.errorRate).toBeCloseTo(5 / 40, 12);
  });

  it('/v1/stats agrees with the traces listed: sums, percentiles and counts', () => {
    const { traces } = listed;
    const body = stats.body as { costUsd: number; referenceCostUsd: number; latencyMs: unknown; firstTokenMs: unknown; routes: { name: string; requests: number }[]; models: { name: string; requests: number }[]; statuses: Record<string, number> };
    const known = traces.filter((trace) => trace.costUsd !== undefined);
    expect(body.costUsd).toBeCloseTo(known.reduce((sum, trace) => sum + (trace.costUsd ?? 0), 0), 12);
    expect(body.referenceCostUsd).toBeCloseTo(traces.reduce((sum, trace) => sum + (trace.referenceCostUsd ?? 0), 0), 12);
    expect(sorted(new Map(body.routes.map((row) => [row.name, row.requests])))).toEqual(sorted(countBy(traces, (trace) => `${trace.router}/${trace.route}`)));
    expect(sorted(new Map(body.models.map((row) => [row.name, row.requests])))).toEqual(sorted(countBy(traces, (trace) => trace.model ?? 'none')));
    expect(sorted(new Map(Object.entries(body.statuses).filter(([, count]) => count > 0)))).toEqual(sorted(countBy(traces, (trace) => trace.status)));
    const latencies = traces.map((trace) => trace.latencyMs);
    expect(body.latencyMs).toEqual({ p50: percentile(latencies, 0.5), p90: percentile(latencies, 0.9), p99: percentile(latencies, 0.99) });
    const firstTokens = traces.flatMap((trace) => (trace.firstTokenMs === undefined ? [] : [trace.firstTokenMs]));
    // The eight streams that were answered.
    expect(firstTokens).toHaveLength(8);
    expect(body.firstTokenMs).toEqual({ p50: percentile(firstTokens, 0.5), p90: percentile(firstTokens, 0.9), p99: percentile(firstTokens, 0.99) });
  });

  it('/metrics counts the same requests per route, model and status, and the same cost', () => {
    const samples = parseMetrics(metricsText);
    const requests = samples.filter((sample) => sample.name === 'switchyard_requests_total');
    expect(requests.every((sample) => sample.labels['router'] === 'auto')).toBe(true);
    expect(requests.reduce((sum, sample) => sum + sample.value, 0)).toBe(40);
    expect(sorted(sumBy(samples, 'switchyard_requests_total', 'route'))).toEqual(sorted(countBy(jobs, (job) => job.route)));
    expect(sorted(sumBy(samples, 'switchyard_requests_total', 'model'))).toEqual(sorted(countBy(jobs, (job) => job.model ?? 'none')));
    expect(sorted(sumBy(samples, 'switchyard_requests_total', 'status'))).toEqual(sorted(countBy(jobs, (job) => job.status)));
    // Series by series: each (route, model, status) combination.
    const series = new Map(requests.map((sample) => [`${sample.labels['route']}|${sample.labels['model']}|${sample.labels['status']}`, sample.value]));
    expect(sorted(series)).toEqual(sorted(countBy(jobs, (job) => `${job.route}|${job.model ?? 'none'}|${job.status}`)));

    // Every served usage is known, so the per-call costs add up to the traces' costs.
    const storedCost = listed.traces.reduce((sum, trace) => sum + (trace.costUsd ?? 0), 0);
    const cost = sumBy(samples, 'switchyard_cost_usd_total', 'model');
    expect([...cost.values()].reduce((sum, value) => sum + value, 0)).toBeCloseTo(storedCost, 12);
    expect(cost.get('cheap')).toBeCloseTo(15 * costOf('cheap'), 12);
    expect(cost.get('coder')).toBeCloseTo(9 * costOf('coder'), 12);
    expect(cost.get('strong')).toBeCloseTo(7 * costOf('strong'), 12);
    const body = stats.body as { costUsd: number; referenceCostUsd: number };
    expect(sumBy(samples, 'switchyard_routed_cost_usd_total').get('')).toBeCloseTo(body.costUsd, 12);
    expect(sumBy(samples, 'switchyard_reference_cost_usd_total').get('')).toBeCloseTo(body.referenceCostUsd, 12);

    expect(sumBy(samples, 'switchyard_fallbacks_total').get('')).toBe(1);
    expect(sumBy(samples, 'switchyard_retries_total').get('') ?? 0).toBe(0);
    expect(sumBy(samples, 'switchyard_request_duration_seconds_count').get('')).toBe(40);
    expect(sumBy(samples, 'switchyard_time_to_first_token_seconds_count').get('')).toBe(8);
    // Answer calls: 31 answered; failed: coder once (the failover), strong 3 times, cheap twice.
    const attempts = new Map<string, number>();
    for (const sample of samples) {
      if (sample.name !== 'switchyard_attempts_total') continue;
      const key = `${sample.labels['model']}|${sample.labels['outcome']}`;
      attempts.set(key, (attempts.get(key) ?? 0) + sample.value);
    }
    expect(sorted(attempts)).toEqual(sorted(countBy(listed.traces.flatMap((trace) => trace.attempts), (attempt) => `${attempt.model}|${attempt.outcome}`)));
    expect(sorted(attempts)).toEqual([
      ['cheap|error', 2],
      ['cheap|ok', 15],
      ['coder|error', 1],
      ['coder|ok', 9],
      ['strong|error', 3],
      ['strong|ok', 7],
    ]);
    const tokens = new Map(samples.filter((sample) => sample.name === 'switchyard_tokens_total').map((sample) => [`${sample.labels['model']}|${sample.labels['direction']}`, sample.value]));
    expect(tokens.get('cheap|input')).toBe(15 * 100);
    expect(tokens.get('coder|output')).toBe(9 * 20);
    expect(tokens.get('strong|input')).toBe(7 * 300);
  });

  it('logs one line per request with the documented fields', () => {
    const lines = logs
      .text()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line['msg'] === 'request');
    expect(lines).toHaveLength(40);
    expect(new Set(lines.map((line) => line['trace_id']))).toEqual(new Set(sent.map((item) => item.traceId)));
    const byId = new Map(listed.traces.map((trace) => [trace.id, trace]));
    for (const line of lines) {
      const trace = byId.get(line['trace_id'] as string) as Trace;
      expect(line).toMatchObject({
        requested: 'auto',
        router: 'auto',
        route: trace.route,
        model: trace.model,
        status: trace.status,
        stream: trace.stream,
        attempts: trace.attempts.filter((attempt) => attempt.role === 'answer').length,
        calls: trace.attempts.length,
        latency_ms: expect.any(Number),
        // Errors and aborts at warn (40), the rest at info (30).
        level: trace.status === 'error' ? 40 : 30,
      });
      expect(Math.abs((line['latency_ms'] as number) - trace.latencyMs)).toBeLessThanOrEqual(0.05 + 1e-9);
      if (trace.costUsd === undefined) expect(line).not.toHaveProperty('cost_usd');
      else expect(line['cost_usd']).toBe(trace.costUsd);
      if (trace.savingsUsd !== undefined) expect(line['savings_usd']).toBe(trace.savingsUsd);
      if (trace.firstTokenMs !== undefined) expect(line['first_token_ms']).toEqual(expect.any(Number));
      if (trace.status === 'error') expect(line['error']).toMatchObject({ kind: trace.error?.kind, message: trace.error?.message, status: 500 });
      else expect(line).not.toHaveProperty('error');
      // What was said stays out of the log.
      expect(JSON.stringify(line)).not.toContain(trace.prompt.preview);
    }
  });

  it('never lets the provider key out: database files, logs, metrics, traces, stats, errors', async () => {
    // The upstream did echo it back, and the echoed text did reach the traces (redacted).
    const failedTrace = listed.traces.find((trace) => trace.status === 'error') as Trace;
    expect(failedTrace.error?.message).toContain('upstream exploded while checking key');
    expect(failedTrace.error?.message).toContain('[REDACTED]');
    const detail = await getJson(`${running.baseURL}/traces/${failedTrace.id}`);
    expect(detail.status).toBe(200);

    await running.gateway.store.flush();
    const files = [path(), `${path()}-wal`].filter((file) => existsSync(file));
    expect(files.length).toBeGreaterThan(0);
    const bytes = Buffer.concat(files.map((file) => readFileSync(file)));
    // The files do hold the traces (a search of an empty file would prove nothing).
    expect(bytes.includes(Buffer.from(failedTrace.id))).toBe(true);
    expect(bytes.includes(Buffer.from('upstream exploded while checking key'))).toBe(true);

    // Byte search can miss a value split across SQLite pages: ask SQLite too, every text column of every table.
    const db = new Database(path(), { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(['traces', 'feedback', 'schema_migrations']));
      for (const { name } of tables) {
        for (const column of db.prepare(`SELECT name FROM pragma_table_info(?)`).all(name) as { name: string }[]) {
          const hits = db.prepare(`SELECT COUNT(*) AS n FROM "${name}" WHERE instr(CAST("${column.name}" AS TEXT), ?) > 0`).get(SECRET) as { n: number };
          expect(hits.n, `${name}.${column.name}`).toBe(0);
        }
      }
      const echoed = db.prepare('SELECT COUNT(*) AS n FROM traces WHERE instr(trace_json, ?) > 0').get('[REDACTED]') as { n: number };
      // The five FAIL-HARD requests and the failover.
      expect(echoed.n).toBe(6);
    } finally {
      db.close();
    }

    const places: [string, string][] = [
      ['database', bytes.toString('latin1')],
      ['logs', logs.text()],
      ['metrics', metricsText],
      ['traces', listed.text],
      ['trace detail', detail.text],
      ['stats', stats.text],
      ['stats CLI', cli.out + cli.err],
      ['client errors', sent.map((item) => item.errorText).join('\n')],
    ];
    expect(logs.text()).toContain('upstream exploded');
    for (const [where, text] of places) {
      expect(text.length, where).toBeGreaterThan(0);
      expect(text.includes(SECRET), where).toBe(false);
    }
  });

  it('/v1/stats?bucket_ms adds a timeline whose buckets add up to the same totals', async () => {
    const { status, body } = await getJson(`${running.baseURL}/stats?bucket_ms=60000`);
    expect(status).toBe(200);
    const timeline = body['timeline'] as { start: number; requests: number; errors: number; fallbacks: number; costUsd: number; referenceCostUsd: number }[];
    const total = (key: 'requests' | 'errors' | 'fallbacks' | 'costUsd' | 'referenceCostUsd'): number => timeline.reduce((sum, bucket) => sum + bucket[key], 0);
    expect(total('requests')).toBe(40);
    expect(total('errors')).toBe(5);
    expect(total('fallbacks')).toBe(1);
    expect(total('costUsd')).toBeCloseTo(stats.body['costUsd'] as number, 12);
    expect(total('referenceCostUsd')).toBeCloseTo(stats.body['referenceCostUsd'] as number, 12);
    expect(timeline.map((bucket) => bucket.start)).toEqual([...timeline.map((bucket) => bucket.start)].sort((a, b) => a - b));
  });

  it('/v1/stats?bucket_ms=60000 groups the burst (well under a minute) into one or two minute buckets', async () => {
    const { body } = await getJson(`${running.baseURL}/stats?bucket_ms=60000`);
    const timeline = body['timeline'] as { start: number }[];
    expect(timeline.length).toBeLessThanOrEqual(2);
    for (const bucket of timeline) expect(bucket.start % 60_000).toBe(0);
  });

  it('keeps the traces when the gateway restarts on the same storage path', async () => {
    const before = listed.traces.map((trace) => trace.id);
    await running.close();
    const database = readFileSync(path());
    expect(database.includes(Buffer.from(SECRET))).toBe(false);
    running = await startGateway(yamlFor(path()), {}, { store: true });
    const after = await allTraces(running, 500);
    expect(after.pages).toBe(1);
    expect(after.traces.map((trace) => trace.id)).toEqual(before);
    expect(after.traces).toEqual(listed.traces);
    const reader = SqliteTraceStore.read(path());
    try {
      expect(reader.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
    } finally {
      await reader.close();
    }
    // A new request goes on top of the old ones.
    await openaiClient(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'One more question after the restart?' }] });
    const latest = await getJson(`${running.baseURL}/traces?limit=1`);
    expect((latest.body['data'] as Trace[])[0]?.prompt.preview).toBe('One more question after the restart?');
    expect((await getJson(`${running.baseURL}/stats`)).body['requests']).toBe(41);
  });
});

describe('GET /v1/traces filters', () => {
  it('narrows by router, route, model, status and time, and pages within a filter', async () => {
    const path = join(dir, 'filters.db');
    // A second router (testConfig's extra text lands inside its routers map).
    const running = await startGateway(yamlFor(path, '', '  other:\n    default: strong\n'), {}, { store: true });
    try {
      const client = openaiClient(running);
      const ask = async (model: string, content: string): Promise<string> => {
        // Distinct start milliseconds, so "newest first" is the reverse of the order sent.
        await sleep(2);
        try {
          const { response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content }] }).withResponse();
          return response.headers.get('x-switchyard-trace-id') ?? '';
        } catch (error) {
          return (error as InstanceType<typeof OpenAI.APIError>).headers?.get('x-switchyard-trace-id') ?? '';
        }
      };
      const first = await ask('auto', 'Please debug this python code');
      await sleep(5);
      const middle = Date.now();
      const ids = [
        await ask('auto', 'Please debug this python too'),
        await ask('auto', 'What time is it?'),
        await ask('cheap', 'Hi there'),
        await ask('auto', 'Hello FAIL-HARD'),
        await ask('other', 'Please debug this python for the other router'),
      ];
      const list = async (query: string): Promise<string[]> => {
        const page = await getJson(`${running.baseURL}/traces?${query}`);
        expect(page.status, query).toBe(200);
        return (page.body['data'] as Trace[]).map((trace) => trace.id);
      };
      expect(await list('route=code')).toEqual([ids[0], first]);
      expect(await list('model=coder')).toEqual([ids[0], first]);
      expect(await list('router=other')).toEqual([ids[4]]);
      expect(await list('model=strong')).toEqual([ids[4]]);
      expect(await list('model=cheap')).toEqual([ids[2], ids[1]]);
      expect(await list('router=auto&status=error')).toEqual([ids[3]]);
      expect(await list('status=ok&route=default')).toEqual([ids[4], ids[1]]);
      expect(await list(`since=${middle}`)).toEqual([...ids].reverse());
      expect(await list(`since=${new Date(middle).toISOString()}&route=code`)).toEqual([ids[0]]);
      expect(await list(`until=${middle}`)).toEqual([first]);
      const firstPage = await getJson(`${running.baseURL}/traces?model=cheap&limit=1`);
      expect((firstPage.body['data'] as Trace[]).map((trace) => trace.id)).toEqual([ids[2]]);
      expect(firstPage.body['has_more']).toBe(true);
      expect(await list(`model=cheap&limit=1&cursor=${String(firstPage.body['next_cursor'])}`)).toEqual([ids[1]]);
      // A concrete model has no router: the router filter leaves it out.
      expect(await list('router=auto')).toEqual([ids[3], ids[1], ids[0], first]);
    } finally {
      await running.close();
    }
  });
});

describe('feedback → switchyard export', () => {
  it('exports feedback as one scored line that switchyard train accepts, with the original messages and the served cost', async () => {
    const path = join(dir, 'prompts.db');
    const running = await startGateway(yamlFor(path, 'store_prompts: true'), {}, { store: true });
    try {
      const client = openaiClient(running);
      const messages: ChatCompletionMessageParam[] = [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'Please debug this python loop.' },
      ];
      const { response } = await client.chat.completions.create({ model: 'auto', messages }).withResponse();
      const id = response.headers.get('x-switchyard-trace-id') ?? '';
      // Traffic without feedback is not exported.
      const creative: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Write a poem about rain.' }];
      const other = await client.chat.completions.create({ model: 'auto', messages: creative }).withResponse();

      const posted = await fetch(`${running.baseURL}/feedback`, { method: 'POST', body: JSON.stringify({ trace_id: id, score: 0.25, better_model: 'strong' }) });
      expect(posted.status).toBe(201);
      expect(await posted.json()).toEqual({ id: expect.any(Number), object: 'feedback', trace_id: id, created_at: expect.any(Number), score: 0.25, label: null, better_model: 'strong' });
      const detail = await getJson(`${running.baseURL}/traces/${id}`);
      expect(detail.body['feedback']).toEqual([expect.objectContaining({ traceId: id, score: 0.25, betterModel: 'strong', label: null })]);
      expect((detail.body['prompt'] as Trace['prompt']).messages).toEqual(messages);
      // The client's messages, not the route's system prompt merged in.
      const otherDetail = await getJson(`${running.baseURL}/traces/${other.response.headers.get('x-switchyard-trace-id') ?? ''}`);
      expect((otherDetail.body['prompt'] as Trace['prompt']).messages).toEqual(creative);

      const exported = await runCliCapture(['export', '--format', 'jsonl', '--db', path]);
      expect(exported.code, exported.err).toBe(0);
      expect(exported.out.trimEnd().split('\n')).toHaveLength(1);
      const examples = parseScoredData(exported.out, 'export.jsonl');
      expect(examples).toHaveLength(1);
      const [example] = examples;
      expect(example?.id).toBe(id);
      expect(example?.scores).toEqual({ coder: 0.25, strong: 1 });
      expect(example?.messages).toEqual(messages);
      expect(Object.keys(example?.costs ?? {})).toEqual(['coder']);
      expect(example?.costs?.['coder']).toBeCloseTo(costOf('coder'), 12);
      expect(JSON.parse(exported.out)).toMatchObject({ router: 'auto', route: 'code' });
      expect(exported.err).toMatch(/exported 1 scored lines/);
    } finally {
      await running.close();
    }
  });

  it('skips a trace without its stored prompt and says why on stderr', async () => {
    const path = join(dir, 'no-prompts.db');
    const running = await startGateway(yamlFor(path), {}, { store: true });
    try {
      const text = 'Please debug this python loop.';
      const { response } = await openaiClient(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: text }] }).withResponse();
      const id = response.headers.get('x-switchyard-trace-id') ?? '';
      const posted = await fetch(`${running.baseURL}/feedback`, { method: 'POST', body: JSON.stringify({ trace_id: id, score: 0.25, better_model: 'strong' }) });
      expect(posted.status).toBe(201);
      // Only a preview and a hash of the last user message were kept.
      const detail = await getJson(`${running.baseURL}/traces/${id}`);
      expect(detail.body['prompt']).toEqual({ preview: text, sha256: createHash('sha256').update(text).digest('hex') });

      const exported = await runCliCapture(['export', '--format', 'jsonl', '--db', path]);
      expect(exported.code, exported.err).toBe(0);
      expect(exported.out).toBe('');
      expect(exported.err).toMatch(/exported 0 scored lines; skipped 1 without their prompt \(storage\.store_prompts was off\)/);
    } finally {
      await running.close();
    }
  });
});

describe('the store file', () => {
  /** A minimal served trace. */
  function handMade(id: string, startedAt: number): Trace {
    return {
      id,
      startedAt,
      requested: 'auto',
      prompt: { preview: `prompt ${id}`, sha256: '0'.repeat(64) },
      router: 'auto',
      route: 'default',
      model: 'cheap',
      stream: false,
      decision: emptyDecision({
        requested: 'auto',
        router: 'auto',
        route: 'default',
        policy: 'single',
        candidates: [{ model: 'cheap', provider: 'fake', source: 'target' }],
        reference: 'strong',
      }),
      attempts: [],
      skipped: [],
      notes: [],
      usage: undefined,
      costUsd: 0.001,
      referenceCostUsd: 0.01,
      savingsUsd: 0.009,
      status: 'ok',
      error: undefined,
      latencyMs: 10,
      firstTokenMs: undefined,
    };
  }

  const count = (store: SqliteTraceStore, table = 'traces'): number => (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

  it('refuses a database written by a newer schema, naming the path and both versions', () => {
    const path = join(dir, 'newer.db');
    const db = new Database(path);
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(99, Date.now());
    db.close();
    const open = (): SqliteTraceStore => SqliteTraceStore.open({ path, retention: { maxAgeMs: 86_400_000, maxRows: 5 } });
    expect(open).toThrow(path);
    expect(open).toThrow(`schema version 99, newer than this Switchyard's ${SCHEMA_VERSION}`);
    // Nothing was migrated into it.
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT name FROM sqlite_master WHERE name = 'traces'").get()).toBeUndefined();
    check.close();
  });

  it('switchyard stats reports a newer schema as an error, not a crash', async () => {
    const path = join(dir, 'newer-cli.db');
    const db = new Database(path);
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(99, Date.now());
    db.close();
    const result = await runCliCapture(['stats', '--db', path]);
    expect(result.code).not.toBe(0);
    expect(result.err).toContain('schema version 99');
    expect(result.err).toContain(path);
  });

  it('keeps only the newest max_rows rows after the retention run of the next open, with their feedback', async () => {
    const path = join(dir, 'retention-rows.db');
    const now = Date.now();
    const first = SqliteTraceStore.open({ path, retention: { maxAgeMs: 86_400_000, maxRows: 5 }, batchMs: 1 });
    // Trace n started n seconds ago: trace-00 is the newest.
    const ids = Array.from({ length: 12 }, (_, index) => `trace-${String(index).padStart(2, '0')}`);
    for (const [index, id] of ids.entries()) first.record(handMade(id, now - index * 1_000));
    await first.flush();
    expect(await first.addFeedback({ traceId: 'trace-11', score: 0.5 })).toBeDefined();
    expect(await first.addFeedback({ traceId: 'trace-00', score: 0.9 })).toBeDefined();
    await first.close();

    const second = SqliteTraceStore.open({ path, retention: { maxAgeMs: 86_400_000, maxRows: 5 }, batchMs: 1 });
    try {
      await second.flush();
      const page = await second.list({ limit: 100 });
      expect(page.traces.map((trace) => trace.id)).toEqual(ids.slice(0, 5));
      expect(count(second)).toBe(5);
      // The feedback of a deleted trace went with it.
      expect(second.feedbackOf('trace-11')).toEqual([]);
      expect(second.feedbackOf('trace-00')).toHaveLength(1);
      expect(count(second, 'feedback')).toBe(1);
    } finally {
      await second.close();
    }
  });

  it('applies storage.retention.max_rows of the config to a gateway restarted on the same path', async () => {
    const path = join(dir, 'retention-config.db');
    const yaml = yamlFor(path, 'retention: { max_rows: 5 }');
    let running = await startGateway(yaml, {}, { store: true });
    const ids: string[] = [];
    try {
      for (let index = 0; index < 8; index++) {
        const { response } = await openaiClient(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: `Question ${index}?` }] }).withResponse();
        ids.push(response.headers.get('x-switchyard-trace-id') ?? '');
        // Distinct start milliseconds, so "newest" is the order they were sent.
        await sleep(2);
      }
    } finally {
      await running.close();
    }
    running = await startGateway(yaml, {}, { store: true });
    try {
      await running.gateway.store.flush();
      const { body } = await getJson(`${running.baseURL}/traces`);
      expect((body['data'] as Trace[]).map((trace) => trace.id)).toEqual(ids.slice(3).reverse());
    } finally {
      await running.close();
    }
  });

  it('deletes rows older than max_age at the next open', async () => {
    const path = join(dir, 'retention-age.db');
    const day = 86_400_000;
    const now = Date.now();
    const first = SqliteTraceStore.open({ path, retention: { maxAgeMs: day, maxRows: 1_000 }, batchMs: 1 });
    first.record(handMade('fresh-1', now - 1_000));
    first.record(handMade('fresh-2', now - day + 60_000));
    first.record(handMade('stale-1', now - day - 60_000));
    first.record(handMade('stale-2', now - 3 * day));
    await first.flush();
    await first.close();

    const second = SqliteTraceStore.open({ path, retention: { maxAgeMs: day, maxRows: 1_000 }, batchMs: 1 });
    try {
      await second.flush();
      expect((await second.list({ limit: 100 })).traces.map((trace) => trace.id)).toEqual(['fresh-1', 'fresh-2']);
    } finally {
      await second.close();
    }
  });

  it('reads the same store through SqliteTraceStore.read (the CLI), migrated to the current version', async () => {
    const path = join(dir, 'read.db');
    const writer = SqliteTraceStore.open({ path, retention: { maxAgeMs: 86_400_000, maxRows: 100 }, batchMs: 1 });
    writer.record(handMade('only', Date.now()));
    await writer.close();
    const reader = SqliteTraceStore.read(path);
    try {
      expect((await reader.get('only'))?.trace).toEqual(handMade('only', (await reader.get('only'))?.trace.startedAt ?? 0));
      expect(reader.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
      expect(reader.db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      await reader.close();
    }
    expect(() => SqliteTraceStore.read(join(dir, 'missing.db'))).toThrow();
  });
});

describe('API validation', () => {
  let running: TestGateway;
  let traceId: string;

  beforeAll(async () => {
    // The default in-memory store.
    running = await startGateway(testConfig(upstream.url));
    const { response } = await openaiClient(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    traceId = response.headers.get('x-switchyard-trace-id') ?? '';
  });

  afterAll(async () => {
    await running.close();
  });

  it.each([
    ['/traces?limit=0', 'limit'],
    ['/traces?limit=501', 'limit'],
    ['/traces?limit=abc', 'limit'],
    ['/traces?limit=1.5', 'limit'],
    ['/traces?status=failed', 'status'],
    ['/traces?cursor=not-a-cursor', 'cursor'],
    ['/traces?since=yesterday', 'since'],
    ['/traces?until=2024-13-45T99:00:00Z', 'until'],
    ['/stats?since=soon', 'since'],
    ['/stats?bucket_ms=10', 'bucket_ms'],
  ])('GET %s is a 400 naming %s', async (url, param) => {
    const { status, body } = await getJson(`${running.baseURL}${url}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { type: 'invalid_request_error', param, message: expect.stringContaining(param) } });
  });

  it('accepts the limits of the range and both time forms', async () => {
    for (const query of ['limit=1', 'limit=500', 'status=ok', `since=${Date.now() - 60_000}`, `until=${new Date(Date.now() + 60_000).toISOString()}`]) {
      const { status, body } = await getJson(`${running.baseURL}/traces?${query}`);
      expect(status, query).toBe(200);
      expect((body['data'] as Trace[]).map((trace) => trace.id), query).toEqual([traceId]);
    }
  });

  it('answers an unknown trace id with a 404 trace_not_found', async () => {
    const { status, body } = await getJson(`${running.baseURL}/traces/no-such-trace`);
    expect(status).toBe(404);
    expect(body).toMatchObject({ error: { code: 'trace_not_found', type: 'invalid_request_error' } });
    const known = await getJson(`${running.baseURL}/traces/${traceId}`);
    expect(known.status).toBe(200);
    expect(known.body).toMatchObject({ id: traceId, feedback: [] });
  });

  const post = async (body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${running.baseURL}/feedback`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it.each([
    ['a score above 1', () => ({ trace_id: traceId, score: 2 }), 'score'],
    ['a negative score', () => ({ trace_id: traceId, score: -0.1 }), 'score'],
    ['a score that is text', () => ({ trace_id: traceId, score: 'good' }), 'score'],
    ['a label over 200 characters', () => ({ trace_id: traceId, label: 'x'.repeat(201) }), 'label'],
    ['no trace_id', () => ({ score: 0.5 }), 'trace_id'],
    ['an unknown better_model', () => ({ trace_id: traceId, better_model: 'gpt-9' }), 'better_model'],
  ])('refuses feedback with %s: 400 naming the field', async (_name, body, param) => {
    const { status, body: answer } = await post(body());
    expect(status).toBe(400);
    expect(answer).toMatchObject({ error: { type: 'invalid_request_error', param } });
  });

  it('refuses feedback with none of score, label, better_model', async () => {
    const { status, body } = await post({ trace_id: traceId });
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringMatching(/score, label, better_model/) } });
  });

  it('refuses a body that is not JSON', async () => {
    expect((await post('{not json')).status).toBe(400);
  });

  it('answers feedback for an unknown trace with a 404 trace_not_found', async () => {
    const { status, body } = await post({ trace_id: 'no-such-trace', score: 0.5 });
    expect(status).toBe(404);
    expect(body).toMatchObject({ error: { code: 'trace_not_found', param: 'trace_id' } });
  });

  it('keeps valid feedback, label only included, and none of the refused ones', async () => {
    expect((await post({ trace_id: traceId, label: 'x'.repeat(200) })).status).toBe(201);
    expect((await post({ trace_id: traceId, score: 0, better_model: 'strong' })).status).toBe(201);
    const { body } = await getJson(`${running.baseURL}/traces/${traceId}`);
    expect((body['feedback'] as { score: number | null; betterModel: string | null }[]).map((item) => [item.score, item.betterModel])).toEqual([
      [null, null],
      [0, 'strong'],
    ]);
  });
});

describe('gateway keys', () => {
  let running: TestGateway;

  beforeAll(async () => {
    running = await startGateway(testConfig(upstream.url, 'server:\n  api_keys: ["gateway-key-1"]\n'));
  });

  afterAll(async () => {
    await running.close();
  });

  it.each([
    ['GET', '/v1/traces'],
    ['GET', '/v1/traces/some-id'],
    ['GET', '/v1/stats'],
    ['GET', '/metrics'],
    ['POST', '/v1/feedback'],
  ])('%s %s needs a gateway key', async (method, path) => {
    const body = method === 'POST' ? { body: JSON.stringify({ trace_id: 'some-id', score: 1 }) } : {};
    const without = await fetch(`${running.url}${path}`, { method, ...body });
    expect(without.status).toBe(401);
    expect(await without.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    const wrong = await fetch(`${running.url}${path}`, { method, ...body, headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const withKey = await fetch(`${running.url}${path}`, { method, ...body, headers: { authorization: 'Bearer gateway-key-1' } });
    // With the key, the endpoint itself answers (an unknown trace is its own 404).
    expect(withKey.status).toBe(path.includes('some-id') || method === 'POST' ? 404 : 200);
  });

  it('keeps /healthz open', async () => {
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });
});
