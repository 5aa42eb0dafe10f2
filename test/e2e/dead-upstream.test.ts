import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import type { Trace } from '../../src/spec/trace.js';
import { openaiClient, traceOf } from '../support/policy-test-helpers.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * What a client sees of upstreams that are dead or never answer: the breaker's probes instead of
 * every request, fast refusals that say when to come back, a bounded wait, and a bill for a stream
 * that broke halfway. Timeouts and cooldowns are configured small so the test runs in seconds.
 */

let upstream: FakeUpstream;
let gateway: TestGateway | undefined;

beforeEach(async () => {
  upstream = await startFakeUpstream();
});

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await upstream.close();
});

async function start(providerSettings: string): Promise<TestGateway> {
  gateway = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-dead-upstream-12345678" ${providerSettings} }
models:
  primary:  { provider: fake, model: primary-wire,  price: { input: 1, output: 2 } }
  fallback: { provider: fake, model: fallback-wire, price: { input: 1, output: 2 } }
routers:
  auto: { default: { fallback: [primary, fallback] } }
`);
  return gateway;
}

const post = (running: TestGateway, body: Record<string, unknown>): Promise<Response> =>
  fetch(`${running.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], ...body }) });

/** A stream is traced when it ends, after its usage was estimated (the tokenizer may still be loading on a busy machine). */
async function streamedTrace(running: TestGateway, response: { headers: Headers }): Promise<Trace> {
  const id = response.headers.get('x-switchyard-trace-id') ?? '';
  await expect.poll(() => running.gateway.traces.get(id), { timeout: 10_000 }).toBeDefined();
  return running.gateway.traces.get(id) as Trace;
}

const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? NaN;

describe('every candidate dead', () => {
  // The figure: with every circuit open, 589 of 594 requests still reached the dead primary, each after ~440 ms of backoff.
  it('the upstream sees one probe at a time per cooldown, not every request; the others get a 503 in milliseconds with retry-after', async () => {
    const running = await start(', retry: { max_attempts: 3, initial_delay_ms: 400 }, circuit_breaker: { consecutive_failures: 1, cooldown_ms: 1000 }');
    const inFlight = new Map<string, number>();
    let mostInFlight = 0;
    upstream.respond((request) => {
      const model = String(request.body?.['model']);
      inFlight.set(model, (inFlight.get(model) ?? 0) + 1);
      mostInFlight = Math.max(mostInFlight, inFlight.get(model) ?? 0);
      void request.closed.then(() => inFlight.set(model, (inFlight.get(model) ?? 1) - 1));
      return { type: 'error', status: 500, delayMs: 50 };
    });
    // One request opens both circuits (one failure each).
    expect((await post(running, {})).status).toBe(503);
    expect([...running.gateway.breakers.states().values()]).toEqual(['open', 'open']);
    const opened = upstream.requests.length;

    const answers: { status: number; ms: number; response: Response }[] = [];
    for (let wave = 0; wave < 20; wave++) {
      const started = performance.now();
      const sent = Array.from({ length: 10 }, async () => {
        const response = await post(running, {});
        await response.arrayBuffer();
        answers.push({ status: response.status, ms: performance.now() - started, response });
      });
      await Promise.all([...sent, new Promise((resolve) => setTimeout(resolve, 60))]);
    }

    const probes = upstream.requests.length - opened;
    // 1.2 s or more (a loaded machine: up to 7 s) with 1 s cooldowns that double after each failed probe: 1 to 3 probes per model (it was most of the 200 requests).
    expect(probes).toBeGreaterThanOrEqual(1);
    expect(probes).toBeLessThanOrEqual(6);
    expect(mostInFlight).toBe(1);

    const refused = answers.filter((answer) => answer.status === 503 && answer.response.headers.get('retry-after') !== null);
    expect(refused.length).toBeGreaterThanOrEqual(200 - probes);
    for (const { response } of refused) {
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(response.headers.get('retry-after-ms'))).toBeLessThanOrEqual(10_000);
      expect(response.headers.get('x-should-retry')).toBe('false');
    }
    // No backoff is waited out for a dead deployment (each request used to wait 300-400 ms of it here; milliseconds on an idle machine now).
    expect(percentile(refused.map((answer) => answer.ms), 0.5)).toBeLessThan(250);

    const trace = traceOf(running, (refused[0] as { response: Response }).response);
    expect(trace.status).toBe('error');
    expect(trace.error).toMatchObject({ kind: 'no_available_model' });
    expect(trace.attempts).toEqual([]);
    expect([...trace.decision.filtered, ...trace.skipped].map((item) => item.reason)).toEqual(expect.arrayContaining(['circuit_open']));
  });

  it('the refusal names the open circuits and when the next probe is due', async () => {
    const running = await start(', retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1, cooldown_ms: 30000 }');
    upstream.respond({ type: 'error', status: 500 });
    await post(running, {});
    const started = performance.now();
    const response = await post(running, {});
    expect(performance.now() - started).toBeLessThan(500);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('no_available_model');
    expect(body.error.message).toMatch(/circuit breaker of primary, fallback is open after repeated failures; the next probe is due in 30 s/);
    const trace = traceOf(running, response);
    expect(trace.decision.filtered.map((item) => [item.model, item.reason])).toEqual([
      ['primary', 'circuit_open'],
      ['fallback', 'circuit_open'],
    ]);
    expect(upstream.requests).toHaveLength(2);
  });
});

describe('an upstream that never answers', () => {
  it("bounds a JSON client's wait by timeout.request_ms, retries and fallbacks included: a 504 naming the deadline", async () => {
    const running = await start(', timeout: { request_ms: 500 }');
    upstream.respond({ type: 'completion', text: 'too late', delayMs: 20_000 });
    const started = performance.now();
    const response = await post(running, {});
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(2_500);
    expect(response.status).toBe(504);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: 'upstream_timeout', message: expect.stringContaining('deadline of 500 ms') });
    // No retry of the primary and no fallback past the deadline.
    expect(upstream.requests.map((request) => request.body?.['model'])).toEqual(['primary-wire']);
    const trace = traceOf(running, response);
    expect(trace.skipped).toEqual([expect.objectContaining({ model: 'fallback', reason: 'deadline' })]);
  });
});

describe('a stream that fails after it began', () => {
  it('is billed: the trace has the usage (estimated when the upstream sent none) and its cost', async () => {
    const running = await start(', retry: { max_attempts: 1 }');
    upstream.enqueue({ type: 'completion', text: 'one two three four five six', cutAfterChunks: 3 });
    const response = await post(running, { stream: true });
    expect(await response.text()).toContain('upstream_connection_error');
    const trace = await streamedTrace(running, response);
    expect(trace.status).toBe('error');
    expect(trace.usage).toMatchObject({ estimated: true, inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
    expect(trace.usage?.outputTokens).toBeGreaterThan(0);
    expect(trace.costUsd).toBeGreaterThan(0);
    expect(trace.attempts).toEqual([expect.objectContaining({ model: 'primary', outcome: 'error', usage: expect.objectContaining({ estimated: true }), costUsd: trace.costUsd })]);
  });

  it('is billed when the client leaves halfway too', async () => {
    const running = await start(', retry: { max_attempts: 1 }');
    upstream.enqueue({ type: 'completion', text: 'one two three four five six seven eight nine ten', chunkDelayMs: 100 });
    const stream = await openaiClient(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], stream: true }).withResponse();
    for await (const chunk of stream.data) {
      if (chunk.choices[0]?.delta.content) break;
    }
    const trace = await streamedTrace(running, stream.response);
    expect(trace.status).toBe('aborted');
    expect(trace.usage).toMatchObject({ estimated: true });
    expect(trace.costUsd).toBeGreaterThan(0);
  });
});
