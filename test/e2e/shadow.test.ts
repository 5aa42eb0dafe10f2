import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { startServer } from '../../src/server/create-server.js';
import type { QualityObservation } from '../../src/spec/quality-observation.js';
import { feedbackToScored } from '../../src/telemetry/feedback-to-scored.js';
import { SqliteTraceStore } from '../../src/telemetry/sqlite-trace-store.js';
import { seededRandom } from '../../src/util/seeded-random.js';
import { startFakeUpstream, type FakeResponse, type FakeUpstream, type RecordedRequest } from '../support/fake-openai-upstream.js';
import { collectStream, openaiClient, usd } from '../support/policy-test-helpers.js';
import type { TestGateway } from '../support/start-gateway.js';
import { judgedModelsConfig } from '../support/judged-models-config.js';

/**
 * Shadow evaluation end to end: a router with `shadow:` on a real gateway and a fake upstream where
 * `judge-wire` plays the judge. After each client's answer, the alternative (`strong`) answers the
 * same request in the background and the judge scores both; the scores land in the trace store as
 * judge feedback (export turns them into per-model scores), within the shadow's own budget and cost.
 */

/** Fixed usage per wire model, so every cost is worked out by hand. */
const USAGE = { 'cheap-wire': { prompt_tokens: 100, completion_tokens: 10 }, 'strong-wire': { prompt_tokens: 120, completion_tokens: 12 }, 'judge-wire': { prompt_tokens: 400, completion_tokens: 20 } };
const CHEAP_COST = usd(100, 10, 0.15, 0.6);
const STRONG_COST = usd(120, 12, 3, 15);
const JUDGE_COST = usd(400, 20, 0.5, 1);

/** The judge gives the strong model's answer 9 and the other 6, wherever it was shown: a swapped order would show. */
function verdict(request: RecordedRequest): string {
  const prompt = String((request.body?.['messages'] as { content: string }[])[1]?.content);
  const strongIsA = /Answer A:\n<<<\nReply from strong-wire/.test(prompt);
  const served = /Reply from cheap-wire/.test(prompt);
  if (!served) return 'the served answer is missing';
  return JSON.stringify({ a: strongIsA ? 9 : 6, b: strongIsA ? 6 : 9, reason: 'B is fuller.' });
}

let upstream: FakeUpstream;
/** What the judge answers (default: the verdict above); a test may script it otherwise. */
let judge: (request: RecordedRequest) => FakeResponse;
/** What the alternative answers (default: its reply); a test may stall it. */
let alternative: (request: RecordedRequest) => FakeResponse;
const dirs: string[] = [];
const running: TestGateway[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.respond((request) => {
    const model = String(request.body?.['model']) as keyof typeof USAGE;
    if (model === 'judge-wire') return judge(request);
    if (model === 'strong-wire') return alternative(request);
    return { type: 'completion', text: `Reply from ${model}.`, usage: USAGE[model] };
  });
});

afterEach(async () => {
  for (const gateway of running.splice(0)) await gateway.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  upstream.requests.length = 0;
});

afterAll(async () => {
  await upstream.close();
});

beforeAll(() => {
  judge = (request) => ({ type: 'completion', text: verdict(request), usage: USAGE['judge-wire'] });
  alternative = () => ({ type: 'completion', text: 'Reply from strong-wire.', usage: USAGE['strong-wire'] });
});

function config(shadow: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-shadow-'));
  dirs.push(dir);
  return judgedModelsConfig(upstream.url, `{ path: "${join(dir, 'traces.db')}", store_prompts: true }`, `    shadow: ${shadow}\n`);
}

/** A real gateway writing SQLite, with a seeded random (the sample and position draws) and a quality observer. */
async function start(shadow: string, observed: QualityObservation[] = []): Promise<TestGateway & { store: SqliteTraceStore }> {
  const parsed = parseConfig(config(shadow), 'test.yaml', { env: {} });
  const store = SqliteTraceStore.open({ path: parsed.storage.path, retention: parsed.storage.retention, batchMs: 5 });
  const gateway = await Gateway.create(parsed, { store, random: seededRandom(7), qualityObserver: { observe: (observation) => observed.push(observation) } });
  const server = await startServer(gateway, pino({ level: 'silent' }), { host: '127.0.0.1', port: 0 });
  const test = { ...server, gateway, baseURL: `${server.url}/v1`, store };
  running.push(test);
  return test;
}

/** `switchyard_shadow_jobs_total` by outcome, and `switchyard_shadow_cost_usd_total`, for router auto. */
async function shadowMetrics(gateway: Gateway): Promise<{ jobs: Record<string, number>; cost: number }> {
  const text = await gateway.metrics.render();
  const jobs: Record<string, number> = {};
  for (const [, outcome, value] of text.matchAll(/^switchyard_shadow_jobs_total\{router="auto",outcome="(\w+)"\} (\S+)$/gm)) jobs[outcome as string] = Number(value);
  const cost = Number(/^switchyard_shadow_cost_usd_total\{router="auto"\} (\S+)$/m.exec(text)?.[1] ?? 0);
  return { jobs, cost };
}

/** One request through one of the three edges, by turn: Chat Completions (JSON, then stream), Anthropic Messages, Responses. */
async function ask(test: TestGateway, index: number): Promise<string> {
  const content = `Question ${index}: what is ${index} + ${index}?`;
  switch (index % 4) {
    case 0: {
      const response = await openaiClient(test).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content }] }).withResponse();
      expect(response.data.choices[0]?.message.content).toBe('Reply from cheap-wire.');
      return response.response.headers.get('x-switchyard-trace-id') as string;
    }
    case 1: {
      const { data: stream, response } = await openaiClient(test).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true } }).withResponse();
      expect((await collectStream(stream)).text).toBe('Reply from cheap-wire.');
      return response.headers.get('x-switchyard-trace-id') as string;
    }
    case 2: {
      const client = new Anthropic({ baseURL: test.url, apiKey: 'x', maxRetries: 0 });
      const { data, response } = await client.messages.create({ model: 'auto', max_tokens: 256, messages: [{ role: 'user', content }] }).withResponse();
      expect(data.content[0]?.type === 'text' ? data.content[0].text : '').toBe('Reply from cheap-wire.');
      return response.headers.get('x-switchyard-trace-id') as string;
    }
    default: {
      const { data, response } = await openaiClient(test).responses.create({ model: 'auto', input: content }).withResponse();
      expect(data.output_text).toBe('Reply from cheap-wire.');
      return response.headers.get('x-switchyard-trace-id') as string;
    }
  }
}

describe('shadow evaluation', () => {
  it('turns 200 requests of the three edges into judge scores in the store, apart from the clients’ cost', async () => {
    const observed: QualityObservation[] = [];
    const test = await start('{ sample: 1, models: [strong, cheap], judge: { model: judge }, budget_usd_per_day: 5 }', observed);
    const ids: string[] = [];
    for (let index = 0; index < 200; index++) {
      ids.push(await ask(test, index));
      // Two jobs run and eight wait: letting them drain now and then keeps the queue from dropping any.
      if (index % 5 === 4) await test.gateway.shadow?.idle();
    }
    await test.gateway.shadow?.idle();

    const metrics = await shadowMetrics(test.gateway);
    expect(metrics.jobs).toEqual({ scored: 200 });
    expect(metrics.cost).toBeCloseTo(200 * (STRONG_COST + JUDGE_COST), 10);
    // The alternative got the request the client sent, once, as JSON; the served model was not asked again.
    expect(upstream.requestsFor('strong-wire')).toHaveLength(200);
    expect(upstream.requestsFor('strong-wire').every((request) => request.body?.['stream'] === undefined || request.body['stream'] === false)).toBe(true);
    expect(upstream.requestsFor('cheap-wire')).toHaveLength(200);

    // The clients' traces and stats hold only what the clients' requests cost.
    const stats = await test.store.stats({ since: 0, until: Date.now() + 1 });
    expect(stats.requests).toBe(200);
    expect(stats.costUsd).toBeCloseTo(200 * CHEAP_COST, 10);

    // Each trace has two judge scores: the served answer's and the alternative's, each where the judge saw it.
    const found = await test.store.get(ids[1] as string);
    expect(found?.trace.costUsd).toBeCloseTo(CHEAP_COST, 12);
    expect(found?.feedback.map((item) => [item.source, item.model, item.score, item.judgeModel])).toEqual([
      ['judge', 'cheap', 0.6, 'judge'],
      ['judge', 'strong', 0.9, 'judge'],
    ]);
    expect(found?.feedback[1]?.costUsd).toBeCloseTo(STRONG_COST, 12);
    expect(found?.feedback.map((item) => item.position).sort()).toEqual([1, 2]);

    // Export: every request is a scored line with both models' scores and costs.
    const lines = [...test.store.withFeedback({})].map(({ trace, feedback }) => feedbackToScored(trace, feedback));
    expect(lines).toHaveLength(200);
    for (const line of lines) {
      if (!('line' in line)) throw new Error(`skipped: ${line.skip}`);
      expect(line.line.scores).toEqual({ cheap: 0.6, strong: 0.9 });
      expect(line.line.costs?.['strong']).toBeCloseTo(STRONG_COST, 12);
    }
    // The judge saw the served answer first about half the time (seeded draws), which the verdict above cancels.
    const first = [...test.store.withFeedback({})].filter(({ feedback }) => feedback.find((item) => item.model === 'cheap')?.position === 1).length;
    expect(first).toBeGreaterThan(70);
    expect(first).toBeLessThan(130);

    // The drift observer got one observation per scored answer.
    expect(observed).toHaveLength(400);
    expect(observed[0]).toMatchObject({ router: 'auto', route: undefined, source: 'shadow', model: 'cheap', score: 0.6 });
    expect(observed.filter((item) => item.model === 'strong').every((item) => item.score === 0.9)).toBe(true);
  }, 60_000);

  it('samples a share of the requests with the seeded draw', async () => {
    const test = await start('{ sample: 0.3, models: [strong], judge: { model: judge }, budget_usd_per_day: 5 }');
    for (let index = 0; index < 40; index++) {
      await ask(test, index * 4);
      await test.gateway.shadow?.idle();
    }
    const scored = (await shadowMetrics(test.gateway)).jobs['scored'] ?? 0;
    expect(upstream.requestsFor('strong-wire')).toHaveLength(scored);
    expect(scored).toBeGreaterThan(4);
    expect(scored).toBeLessThan(24);
  }, 30_000);

  it('stops at its daily budget: each job holds its worst case first, and the rest are skipped and counted', async () => {
    // Worst case of a job: the alternative's prompt bytes at $3/M plus 64 tokens at $15/M, and the judge's (its prompt and the quoted answer at 3 bytes a character) at $0.5/M: about $0.0115.
    const test = await start('{ sample: 1, models: [strong], judge: { model: judge }, budget_usd_per_day: 0.02 }');
    const client = openaiClient(test);
    for (let index = 0; index < 40; index++) {
      await client.chat.completions.create({ model: 'auto', max_tokens: 64, messages: [{ role: 'user', content: `Question ${index}` }] });
      await test.gateway.shadow?.idle();
    }
    const { jobs, cost } = await shadowMetrics(test.gateway);
    expect((jobs['scored'] ?? 0) + (jobs['skipped_budget'] ?? 0)).toBe(40);
    expect(jobs['scored']).toBeGreaterThan(10);
    expect(jobs['skipped_budget']).toBeGreaterThan(10);
    expect(cost).toBeLessThanOrEqual(0.02);
    expect(cost).toBeCloseTo((jobs['scored'] ?? 0) * (STRONG_COST + JUDGE_COST), 10);
    expect(upstream.requestsFor('strong-wire')).toHaveLength(jobs['scored'] ?? 0);
  }, 30_000);

  it('counts a judge answer that is not exactly the verdict JSON as judge_invalid and stores nothing', async () => {
    const test = await start('{ sample: 1, models: [strong], judge: { model: judge }, budget_usd_per_day: 5 }');
    const invalid = ['Sure! {"a": 7, "b": 8, "reason": "x"}', '{"a": 11, "b": 8, "reason": "x"}', '{"a": 7, "b": 8}', '{"a": 7, "b": 8, "reason": "x", "winner": "b"}', '```json\n{"a": 7, "b": 8, "reason": "x"}\n```'];
    let next = 0;
    judge = () => ({ type: 'completion', text: invalid[next++ % invalid.length] as string, usage: USAGE['judge-wire'] });
    try {
      const ids: string[] = [];
      for (let index = 0; index < invalid.length; index++) {
        ids.push(await ask(test, index * 4));
        await test.gateway.shadow?.idle();
      }
      expect((await shadowMetrics(test.gateway)).jobs).toEqual({ judge_invalid: invalid.length });
      for (const id of ids) expect((await test.store.get(id))?.feedback).toEqual([]);
    } finally {
      judge = (request) => ({ type: 'completion', text: verdict(request), usage: USAGE['judge-wire'] });
    }
  }, 30_000);

  it('counts an alternative that fails as failed: no judge is asked and nothing is stored', async () => {
    const test = await start('{ sample: 1, models: [strong], judge: { model: judge }, budget_usd_per_day: 5 }');
    alternative = () => ({ type: 'error', status: 500, message: 'strong is down' });
    try {
      const id = await ask(test, 0);
      await test.gateway.shadow?.idle();
      expect((await shadowMetrics(test.gateway)).jobs).toEqual({ failed: 1 });
      expect(upstream.requestsFor('judge-wire')).toHaveLength(0);
      expect((await test.store.get(id))?.feedback).toEqual([]);
    } finally {
      alternative = () => ({ type: 'completion', text: 'Reply from strong-wire.', usage: USAGE['strong-wire'] });
    }
  }, 30_000);

  it('never holds a client back while the alternative stalls, drops past its queue, and close() cancels every job', async () => {
    const test = await start('{ sample: 1, models: [strong], judge: { model: judge }, budget_usd_per_day: 5, max_concurrent: 2 }');
    alternative = () => ({ type: 'completion', text: 'late', delayMs: 60_000 });
    try {
      await ask(test, 0);
      // The first job's call is stalled at the upstream; clients keep getting their answers (JSON and streams) meanwhile.
      while (upstream.requestsFor('strong-wire').length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      for (let index = 1; index < 12; index++) await ask(test, index % 2);
      while (upstream.requestsFor('strong-wire').length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      // Two run, eight wait (4 per slot), two are dropped.
      expect((await shadowMetrics(test.gateway)).jobs).toEqual({ dropped_queue: 2 });
      const stalled = upstream.requestsFor('strong-wire');
      expect(stalled).toHaveLength(2);
      running.splice(running.indexOf(test), 1);
      await test.close();
      expect(await Promise.all(stalled.map((request) => request.closed))).toEqual(['aborted', 'aborted']);
      expect((await shadowMetrics(test.gateway)).jobs).toEqual({ dropped_queue: 2, cancelled: 10 });
      expect(upstream.requestsFor('judge-wire')).toHaveLength(0);
    } finally {
      alternative = () => ({ type: 'completion', text: 'Reply from strong-wire.', usage: USAGE['strong-wire'] });
    }
  }, 30_000);
});
