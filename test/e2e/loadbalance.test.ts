import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { startServer } from '../../src/server/create-server.js';
import type { Decision } from '../../src/spec/decision.js';
import { seededRandom } from '../../src/util/seeded-random.js';
import { startFakeUpstream, type FakeResponse, type FakeUpstream } from '../support/fake-openai-upstream.js';
import type { TestGateway } from '../support/start-gateway.js';
import { openaiClient } from '../support/policy-test-helpers.js';

/**
 * `loadbalance` end to end: two deployments of one model (`gpt-x@a`, `gpt-x@b`, same wire id
 * `gpt-x`) on two providers, each with its own fake upstream.
 */

const A = 'gpt-x@a';
const B = 'gpt-x@b';

let upstreamA: FakeUpstream;
let upstreamB: FakeUpstream;
const gateways: TestGateway[] = [];

beforeEach(async () => {
  upstreamA = await startFakeUpstream();
  upstreamB = await startFakeUpstream();
});

afterEach(async () => {
  for (const running of gateways.splice(0)) await running.close();
  await upstreamA.close();
  await upstreamB.close();
});

/** A gateway whose router `lb` has `policy` as its default; `provider` is YAML added to both providers. */
async function start(policy: string, options: { random?: () => number; provider?: string } = {}): Promise<TestGateway> {
  const yaml = `
providers:
  pa: { type: openai, base_url: "${upstreamA.url}", api_key: "sk-lb-a-12345678", retry: { max_attempts: 1 } ${options.provider ?? ''} }
  pb: { type: openai, base_url: "${upstreamB.url}", api_key: "sk-lb-b-12345678", retry: { max_attempts: 1 } ${options.provider ?? ''} }
models:
  ${A}: { provider: pa, model: gpt-x, price: { input: 1, output: 2 }, context_window: 100000 }
  ${B}: { provider: pb, model: gpt-x, price: { input: 1, output: 2 }, context_window: 100000 }
routers:
  lb:
    default: ${policy}
`;
  const config = parseConfig(yaml, 'test.yaml', { env: {} });
  const gateway = await Gateway.create(config, options.random ? { random: options.random } : {});
  const running = await startServer(gateway, pino({ level: 'silent' }), { host: '127.0.0.1', port: 0 });
  const started = { ...running, gateway, baseURL: `${running.url}/v1` };
  gateways.push(started);
  return started;
}

const client = openaiClient;

/** One request; what served it (header, body and trace) and the decision. */
async function ask(running: TestGateway, content = 'hello') {
  const { data, response } = await client(running).chat.completions.create({ model: 'lb', messages: [{ role: 'user', content }] }).withResponse();
  const trace = running.gateway.traces.get(response.headers.get('x-switchyard-trace-id') ?? '');
  expect(trace).toBeDefined();
  return { data, response, served: response.headers.get('x-switchyard-model'), trace: trace!, decision: trace!.decision };
}

const answer = (delayMs: number): FakeResponse => ({ type: 'completion', text: 'ok', delayMs });

describe('weighted', () => {
  it('spreads requests by weight with a seeded random, the same way for the same seed', async () => {
    const policy = `{ loadbalance: [{ model: "${A}", weight: 3 }, { model: "${B}", weight: 1 }] }`;
    const first = await start(policy, { random: seededRandom(2024) });
    const served: string[] = [];
    for (let index = 0; index < 60; index++) {
      const { data, served: model, decision } = await ask(first);
      expect(model).toBe(data.model);
      expect(decision.policy).toBe('loadbalance');
      expect(decision.balance).toEqual({ strategy: 'weighted', chosen: model });
      served.push(model ?? 'none');
    }
    const onA = served.filter((model) => model === A).length;
    expect(onA + served.filter((model) => model === B).length).toBe(60);
    // Expected 45 of 60 (standard deviation ~3.4).
    expect(onA).toBeGreaterThanOrEqual(35);
    expect(onA).toBeLessThanOrEqual(55);
    // Each request reached only the upstream of its deployment, under the shared wire id.
    expect(upstreamA.requests).toHaveLength(onA);
    expect(upstreamB.requests).toHaveLength(60 - onA);
    expect(new Set([...upstreamA.requests, ...upstreamB.requests].map((request) => request.body?.['model']))).toEqual(new Set(['gpt-x']));

    // The draws come from the `random` option: the same seed serves the same sequence.
    const second = await start(policy, { random: seededRandom(2024) });
    const again: string[] = [];
    for (let index = 0; index < 60; index++) again.push((await ask(second)).served ?? 'none');
    expect(again).toEqual(served);
  });
});

describe('least_busy', () => {
  it('spreads concurrent slow requests over both deployments', async () => {
    // A draw of 0 would put gpt-x@a first every time if the in-flight counts were ignored.
    const running = await start(`{ loadbalance: { strategy: least_busy, models: ["${A}", "${B}"] } }`, { random: () => 0 });
    upstreamA.respond(answer(400));
    upstreamB.respond(answer(400));
    const pending: ReturnType<typeof ask>[] = [];
    for (let index = 0; index < 4; index++) {
      pending.push(ask(running, `request ${index}`));
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    const results = await Promise.all(pending);
    expect(results.map((result) => result.served)).toEqual([A, B, A, B]);
    expect(results.map((result) => result.decision.balance)).toEqual([
      { strategy: 'least_busy', chosen: A, observed: { [A]: 0, [B]: 0 } },
      { strategy: 'least_busy', chosen: B, observed: { [A]: 1, [B]: 0 } },
      { strategy: 'least_busy', chosen: A, observed: { [A]: 1, [B]: 1 } },
      { strategy: 'least_busy', chosen: B, observed: { [A]: 2, [B]: 1 } },
    ]);
    expect([upstreamA.requests.length, upstreamB.requests.length]).toEqual([2, 2]);
    // Every call finished: nothing is left counted in flight.
    expect([running.gateway.load.inFlight(A), running.gateway.load.inFlight(B)]).toEqual([0, 0]);
  });

  it('reports the in-flight counts from POST /v1/route without calling a model', async () => {
    const running = await start(`{ loadbalance: { strategy: least_busy, models: ["${A}", "${B}"] } }`, { random: () => 0 });
    upstreamA.respond(answer(500));
    const slow = ask(running);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const response = await fetch(`${running.baseURL}/route`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'lb', messages: [{ role: 'user', content: 'hello' }] }),
    });
    const decision = (await response.json()) as Decision;
    expect(decision.balance).toEqual({ strategy: 'least_busy', chosen: B, observed: { [A]: 1, [B]: 0 } });
    expect(decision.candidates.map((candidate) => candidate.model)).toEqual([B, A]);
    await slow;
    expect([upstreamA.requests.length, upstreamB.requests.length]).toEqual([1, 0]);
  });
});

describe('least_latency', () => {
  it('measures each deployment, then sends traffic to the faster one, and moves when it slows down', async () => {
    const running = await start(`{ loadbalance: { strategy: least_latency, models: ["${A}", "${B}"] } }`);
    let slowB = false;
    upstreamA.respond(answer(250));
    upstreamB.respond(() => answer(slowB ? 800 : 0));

    const served: (string | null)[] = [];
    let last: Decision | undefined;
    for (let index = 0; index < 5; index++) {
      const result = await ask(running);
      served.push(result.served);
      last = result.decision;
    }
    // Both unmeasured: config order; then the unmeasured one; then the faster.
    expect(served).toEqual([A, B, B, B, B]);
    const observed = last?.balance?.observed ?? {};
    expect(observed[A]).toBeGreaterThanOrEqual(240);
    expect(observed[B]).toBeLessThan(100);

    // gpt-x@b slows down: one slow answer does not flip the average, a few do.
    slowB = true;
    const after: (string | null)[] = [];
    for (let index = 0; index < 4; index++) after.push((await ask(running)).served);
    expect(after[0]).toBe(B);
    expect(after.slice(2)).toEqual([A, A]);
    expect(running.gateway.load.latencyMs(B)).toBeGreaterThan(running.gateway.load.latencyMs(A) ?? Infinity);
  });
});

describe('failures', () => {
  it('fails over to the other deployment within the plan when the chosen one answers 500', async () => {
    const running = await start(`{ loadbalance: ["${A}", "${B}"] }`, { random: () => 0 });
    upstreamA.respond({ type: 'error', status: 500, message: 'boom' });
    const { data, response, served, trace, decision } = await ask(running);
    expect(served).toBe(B);
    expect(data.model).toBe(B);
    expect(data.choices[0]?.message.content).toBe('Reply from gpt-x.');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(decision.balance).toEqual({ strategy: 'weighted', chosen: A });
    expect(decision.candidates.map((candidate) => candidate.model)).toEqual([A, B]);
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.outcome, attempt.error?.status])).toEqual([
      [A, 'error', 500],
      [B, 'ok', undefined],
    ]);
    expect([upstreamA.requests.length, upstreamB.requests.length]).toEqual([1, 1]);
  });

  it('fails over on a stream too, and the header names the deployment that served', async () => {
    const running = await start(`{ loadbalance: ["${A}", "${B}"] }`, { random: () => 0 });
    upstreamA.respond({ type: 'error', status: 500 });
    const { data: stream, response } = await client(running).chat.completions.create({ model: 'lb', stream: true, messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Reply from gpt-x.');
    expect(response.headers.get('x-switchyard-model')).toBe(B);
  });

  it('stops choosing a deployment first once its circuit breaker opens', async () => {
    const running = await start(`{ loadbalance: [{ model: "${A}", weight: 9 }, "${B}"] }`, {
      random: () => 0,
      provider: ', circuit_breaker: { consecutive_failures: 2, cooldown_ms: 60000 }',
    });
    upstreamA.respond({ type: 'error', status: 500 });

    // Two failures on gpt-x@a, each served by gpt-x@b: the breaker opens after the second.
    for (let index = 0; index < 2; index++) {
      const { served, decision } = await ask(running);
      expect(served).toBe(B);
      expect(decision.balance?.chosen).toBe(A);
    }
    expect(running.gateway.breakers.get(A)?.state()).toBe('open');
    expect(upstreamA.requests).toHaveLength(2);

    for (let index = 0; index < 3; index++) {
      const { served, response, decision, trace } = await ask(running);
      expect(served).toBe(B);
      expect(response.headers.get('x-switchyard-attempts')).toBe('1');
      expect(decision.balance).toEqual({ strategy: 'weighted', chosen: B });
      expect(decision.candidates.map((candidate) => candidate.model)).toEqual([B]);
      expect(decision.filtered).toEqual([expect.objectContaining({ model: A, reason: 'circuit_open' })]);
      expect(trace.attempts.map((attempt) => attempt.model)).toEqual([B]);
    }
    // No new request reached the failing upstream.
    expect(upstreamA.requests).toHaveLength(2);
    expect(upstreamB.requests).toHaveLength(5);
  });
});
