import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultReply, startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { answerByModel, openaiClient } from '../support/policy-test-helpers.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';
import { abandonableChat } from '../support/abandoned-request.js';

/**
 * The fault-injection suite: each test scripts the fake upstream's failures and checks what the
 * client sees, what the upstream saw, and what the trace recorded.
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

/** A primary and a fallback on the fake upstream, each with the given YAML fragment of settings. */
async function start(options: { primary?: string; fallback?: string; route?: string; extraModels?: string; plan?: string } = {}): Promise<TestGateway> {
  gateway = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-fault-key-12345678" }
models:
  primary:  { provider: fake, model: primary-wire,  price: { input: 1, output: 2 }, context_window: 100000 ${options.primary ?? ''} }
  fallback: { provider: fake, model: fallback-wire, price: { input: 1, output: 2 }, context_window: 100000 ${options.fallback ?? ''} }
${options.extraModels ?? ''}
routers:
  auto:
    routes:
      main: { when: { keywords: [hello, story, code] }, target: ${options.plan ?? '{ fallback: [primary, fallback] }'} ${options.route ?? ''} }
    default: ${options.plan ?? '{ fallback: [primary, fallback] }'}
`);
  return gateway;
}

const client = openaiClient;

const byModel = (responses: Parameters<typeof answerByModel>[1]): void => answerByModel(upstream, responses);

function traceOf(running: TestGateway, response: Response | { headers: Headers }) {
  const trace = running.gateway.traces.get(response.headers.get('x-switchyard-trace-id') ?? '');
  expect(trace).toBeDefined();
  return trace!;
}

async function freePortThatRefuses(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('retry layer (same model)', () => {
  it('waits out retry-after twice and answers from the same model: one trace, three attempts', async () => {
    const running = await start();
    upstream.enqueue(
      { type: 'error', status: 429, message: 'slow down', headers: { 'retry-after': '1' } },
      { type: 'error', status: 429, message: 'slow down', headers: { 'retry-after': '1' } },
    );
    const started = performance.now();
    const { data, response } = await client(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    const elapsed = performance.now() - started;
    expect(data.model).toBe('primary');
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(3500);
    expect(upstream.requests.map((request) => request.body?.['model'])).toEqual(['primary-wire', 'primary-wire', 'primary-wire']);
    expect(response.headers.get('x-switchyard-attempts')).toBe('3');
    const trace = traceOf(running, response);
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.retry, attempt.outcome, attempt.error?.status])).toEqual([
      ['primary', 0, 'error', 429],
      ['primary', 1, 'error', 429],
      ['primary', 2, 'ok', undefined],
    ]);
    expect(running.gateway.traces.list()).toHaveLength(1);
  });

  it('backs off exponentially on 5xx and connection resets, up to max_attempts', async () => {
    const running = await start({ primary: ', retry: { max_attempts: 3, initial_delay_ms: 100, max_delay_ms: 1000 }' });
    upstream.enqueue({ type: 'error', status: 502 }, { type: 'drop' });
    const started = performance.now();
    const { data } = await client(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(data.model).toBe('primary');
    // 100 ms then 200 ms, less up to 25% jitter each.
    expect(performance.now() - started).toBeGreaterThanOrEqual(225);
    expect(upstream.requests).toHaveLength(3);
  });

  it('does not wait for a retry-after beyond the cap: it fails over at once', async () => {
    const running = await start({ primary: ', retry: { max_retry_after_ms: 2000 }' });
    upstream.enqueue({ type: 'error', status: 429, headers: { 'retry-after': '30' } });
    const started = performance.now();
    const { data } = await client(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(data.model).toBe('fallback');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it.each([
    [400, 'final'],
    [422, 'final'],
    [401, 'fail over'],
    [403, 'fail over'],
    [404, 'fail over'],
  ])('never retries a %i (%s)', async (status, behaviour) => {
    const running = await start();
    upstream.enqueue({ type: 'error', status });
    const response = await fetch(`${running.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(upstream.requestsFor('primary-wire')).toHaveLength(1);
    if (behaviour === 'final') {
      expect(response.status).toBe(400);
      expect(upstream.requestsFor('fallback-wire')).toHaveLength(0);
    } else {
      expect(response.status).toBe(200);
      expect(upstream.requestsFor('fallback-wire')).toHaveLength(1);
    }
  });

  it('tells clients not to retry on top once the gateway has retried', async () => {
    const running = await start({ plan: 'primary', primary: ', retry: { max_attempts: 2, initial_delay_ms: 10 }' });
    upstream.respond({ type: 'error', status: 500, message: 'broken' });
    const response = await fetch(`${running.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('x-should-retry')).toBe('false');
    const body = (await response.json()) as { error: { code: string; attempts: { model: string; retry: number }[] } };
    expect(body.error.code).toBe('all_attempts_failed');
    expect(body.error.attempts.map((attempt) => [attempt.model, attempt.retry])).toEqual([
      ['primary', 0],
      ['primary', 1],
    ]);
  });

  it('answers 429 with the retry-after when every attempt was rate limited', async () => {
    const running = await start({ primary: ', retry: { max_attempts: 1 }', fallback: ', retry: { max_attempts: 1 }' });
    upstream.respond({ type: 'error', status: 429, headers: { 'retry-after': '20' } });
    const response = await fetch(`${running.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('20');
    expect(response.headers.get('x-should-retry')).toBe('false');
  });

  it('cancels a pending retry when the client disconnects', async () => {
    const running = await start();
    upstream.enqueue({ type: 'error', status: 503, headers: { 'retry-after': '2' } });
    const client = abandonableChat(running.baseURL, 'auto');
    await expect.poll(() => upstream.requests.length).toBe(1);
    client.abandon();
    expect(await client.settled).toBe('aborted');
    await expect.poll(() => running.gateway.traces.list()[0]?.status).toBe('aborted');
    // Past the 2 s retry-after: no retry was sent.
    await new Promise((resolve) => setTimeout(resolve, 2300));
    expect(upstream.requests).toHaveLength(1);
  });
});

describe('failover layer (next model)', () => {
  it('with the primary down, every request succeeds on the fallback; once the breaker opens, nobody waits on the primary', async () => {
    const deadPort = await freePortThatRefuses();
    gateway = await startGateway(`
providers:
  dead: { type: openai, base_url: "http://127.0.0.1:${deadPort}/v1", retry: { initial_delay_ms: 150 }, circuit_breaker: { consecutive_failures: 3, cooldown_ms: 60000 } }
  fake: { type: openai, base_url: "${upstream.url}" }
models:
  primary:  { provider: dead, price: { input: 1, output: 2 } }
  fallback: { provider: fake, model: fallback-wire, price: { input: 1, output: 2 } }
routers:
  auto: { default: { fallback: [primary, fallback] } }
`);
    const openai = client(gateway);
    const latencies: number[] = [];
    for (let index = 0; index < 12; index++) {
      const started = performance.now();
      const { data, response } = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: `question ${index}` }] }).withResponse();
      latencies.push(performance.now() - started);
      expect(data.model).toBe('fallback');
      if (index >= 2) {
        const trace = traceOf(gateway, response);
        expect(trace.decision.filtered).toEqual([expect.objectContaining({ model: 'primary', reason: 'circuit_open' })]);
        expect(trace.attempts.map((attempt) => attempt.model)).toEqual(['fallback']);
      }
    }
    // The first request paid the retries (150 + 300 ms of backoff); after the breaker opened, none did.
    expect(latencies[0]).toBeGreaterThan(300);
    const later = latencies.slice(4).sort((a, b) => a - b);
    expect(later[Math.floor(later.length / 2)]).toBeLessThan(50);
    expect(gateway.gateway.breakers.states().get('primary')).toBe('open');
  });

  it('skips a fallback whose context window is too small for the prompt, with the reason in the Decision', async () => {
    const running = await start({ plan: '{ fallback: [primary, small, fallback] }', primary: ', retry: { initial_delay_ms: 10 }', extraModels: '  small: { provider: fake, model: small-wire, price: { input: 1, output: 1 }, context_window: 1000 }' });
    const longPrompt = 'hello '.repeat(3000);
    const route = await fetch(`${running.baseURL}/route`, { method: 'POST', body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: longPrompt }] }) });
    const decision = (await route.json()) as { candidates: { model: string }[]; filtered: { model: string; reason: string; detail: string }[] };
    expect(decision.candidates.map((candidate) => candidate.model)).toEqual(['primary', 'fallback']);
    expect(decision.filtered).toEqual([{ model: 'small', reason: 'context_window', detail: expect.stringMatching(/^~\d+ prompt tokens exceed its context window of 1000$/) }]);

    upstream.enqueue({ type: 'error', status: 500 }, { type: 'error', status: 500 }, { type: 'error', status: 500 });
    const { data } = await client(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: longPrompt }] }).withResponse();
    expect(data.model).toBe('fallback');
    expect(upstream.requestsFor('small-wire')).toHaveLength(0);
  });

  it('answers 400 without calling anything when no candidate can hold the prompt', async () => {
    const running = await start({ plan: 'small', extraModels: '  small: { provider: fake, model: small-wire, price: { input: 1, output: 1 }, context_window: 1000 }' });
    const response = await fetch(`${running.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello '.repeat(3000) }] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('context_length_exceeded');
    expect(upstream.requests).toHaveLength(0);
  });

  it('after an upstream context-length error, fails over only to larger-context models', async () => {
    const running = await start({
      plan: '{ fallback: [mid, smaller, large] }',
      extraModels: `  mid:     { provider: fake, model: mid-wire,     price: { input: 1, output: 1 }, context_window: 8000 }
  smaller: { provider: fake, model: smaller-wire, price: { input: 1, output: 1 }, context_window: 4000 }
  large:   { provider: fake, model: large-wire,   price: { input: 1, output: 1 }, context_window: 200000 }`,
    });
    byModel({ 'mid-wire': () => ({ type: 'error', status: 400, code: 'context_length_exceeded', message: "This model's maximum context length is 8000 tokens" }) });
    const { data, response } = await client(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(data.model).toBe('large');
    expect(upstream.requestsFor('smaller-wire')).toHaveLength(0);
    const trace = traceOf(running, response);
    expect(trace.skipped).toEqual([expect.objectContaining({ model: 'smaller', reason: 'context_window' })]);
  });

  it('skips candidates that lack a capability the request needs', async () => {
    const running = await start({ primary: ', capabilities: { vision: false, tools: false }' });
    const image = await client(running).chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }],
    }).withResponse();
    expect(image.data.model).toBe('fallback');
    expect(traceOf(running, image.response).decision.filtered).toEqual([
      { model: 'primary', reason: 'capability', detail: 'the request needs image input, which "primary" does not support' },
    ]);
    const tools = await client(running).chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'hello' }],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
    });
    expect(tools.model).toBe('fallback');
    expect(upstream.requestsFor('primary-wire')).toHaveLength(0);
  });

  it('returns a content-policy refusal as is by default, without failing over', async () => {
    const running = await start();
    upstream.enqueue({ type: 'error', status: 400, code: 'content_policy_violation', message: 'Your request was rejected by our content policy.' });
    const response = await fetch(`${running.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'content_policy_violation', message: expect.stringContaining('content policy') });
    expect(upstream.requests).toHaveLength(1);

    upstream.enqueue({ type: 'completion', text: 'I cannot help with that.', finishReason: 'content_filter' });
    const { data } = await client(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(data.choices[0]?.finish_reason).toBe('content_filter');
    expect(data.model).toBe('primary');
    expect(upstream.requests).toHaveLength(2);
  });

  it('fails over on a content-policy refusal when the route opts in, JSON and streamed', async () => {
    const running = await start({ route: ', failover_on_content_filter: true' });
    upstream.enqueue({ type: 'error', status: 400, code: 'content_policy_violation', message: 'rejected by content policy' });
    expect((await client(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] })).model).toBe('fallback');

    upstream.enqueue({ type: 'completion', text: 'I cannot help with that.', finishReason: 'content_filter' });
    const json = await client(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(json.data.model).toBe('fallback');
    expect(traceOf(running, json.response).attempts.map((attempt) => [attempt.model, attempt.outcome])).toEqual([
      ['primary', 'refused'],
      ['fallback', 'ok'],
    ]);

    upstream.enqueue({ type: 'completion', text: 'I cannot help with that.', finishReason: 'content_filter' });
    const stream = await client(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    // The refused answer never reached the client: only the fallback's.
    expect(text).toBe(defaultReply('fallback-wire'));
  });

  it('serves the refusal when every model refuses, and bills and traces it as the answer', async () => {
    const running = await start({ route: ', failover_on_content_filter: true' });
    upstream.respond({ type: 'completion', text: 'I cannot help with that.', finishReason: 'content_filter', usage: { prompt_tokens: 20, completion_tokens: 6 } });
    const { data, response } = await client(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(data.choices[0]?.finish_reason).toBe('content_filter');
    const trace = traceOf(running, response);
    expect(trace.attempts.map((attempt) => attempt.outcome)).toEqual(['refused', 'refused']);
    // The served refusal is the trace's answer: its usage, and a cost the header reports.
    expect(trace.model).toBe(data.model);
    expect(trace.usage).toMatchObject({ inputTokens: 20, outputTokens: 6 });
    expect(trace.costUsd).toBeGreaterThan(0);
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(trace.costUsd ?? Number.NaN, 12);
  });
});

describe('timeouts', () => {
  it('fails over when the first token does not come in time', async () => {
    const running = await start({ primary: ', timeout: { first_token_ms: 300 }, retry: { max_attempts: 1 }' });
    byModel({ 'primary-wire': () => ({ type: 'completion', text: 'too late', firstChunkDelayMs: 3000 }) });
    const started = performance.now();
    const stream = await client(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(defaultReply('fallback-wire'));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await upstream.requestsFor('primary-wire')[0]?.closed).toBe('aborted');
    const trace = running.gateway.traces.list()[0];
    expect(trace?.attempts[0]).toMatchObject({ model: 'primary', outcome: 'error', error: { kind: 'upstream_timeout', message: expect.stringContaining('no first token within 300 ms') } });
  });

  it('fails over when a JSON answer takes longer than the total timeout', async () => {
    const running = await start({ primary: ', timeout: { total_ms: 300 }, retry: { max_attempts: 1 }' });
    byModel({ 'primary-wire': () => ({ type: 'completion', text: 'too late', delayMs: 3000 }) });
    const started = performance.now();
    const { data } = await client(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(data.model).toBe('fallback');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('retries a stalled stream on the same model when the stall is before the first token', async () => {
    const running = await start({ plan: 'primary', primary: ', timeout: { first_token_ms: 200 }, retry: { initial_delay_ms: 10 }' });
    upstream.enqueue({ type: 'completion', text: 'stalled', firstChunkDelayMs: 3000 });
    const stream = await client(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(defaultReply('primary-wire'));
    expect(upstream.requests).toHaveLength(2);
  });
});

describe('streaming failover', () => {
  it('a stream cut after 3 chunks ends with an error event, not [DONE], and the trace records it', async () => {
    const running = await start();
    upstream.enqueue({ type: 'completion', text: 'one two three four five six', cutAfterChunks: 3 });
    const response = await fetch(`${running.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], stream: true }),
    });
    const text = await response.text();
    const events = text.trim().split('\n\n');
    const contents = events
      .slice(0, -1)
      .map((event) => (JSON.parse(event.replace(/^data: /, '')) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '')
      .join('');
    expect(contents).toBe('one two three ');
    expect(text).not.toContain('[DONE]');
    expect(JSON.parse(events.at(-1)?.replace(/^data: /, '') ?? '{}')).toMatchObject({ error: { code: 'upstream_connection_error' } });
    // Once bytes reached the client, nothing was switched.
    expect(upstream.requests).toHaveLength(1);
    // Traced once the usage of what was streamed is estimated, after the client got its error event.
    await expect.poll(() => running.gateway.traces.get(response.headers.get('x-switchyard-trace-id') ?? ''), { timeout: 10_000 }).toBeDefined();
    const trace = traceOf(running, response);
    expect(trace.status).toBe('error');
    expect(trace.attempts).toEqual([expect.objectContaining({ model: 'primary', outcome: 'error' })]);
  });

  it('a failure before the first chunk is invisible to the client', async () => {
    const running = await start({ primary: ', retry: { initial_delay_ms: 10 }' });
    upstream.enqueue({ type: 'completion', text: 'never', cutAfterChunks: 0 }, { type: 'drop' }, { type: 'sse', events: ['{not json'] });
    const stream = await client(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(defaultReply('fallback-wire'));
    expect(upstream.requests.map((request) => request.body?.['model'])).toEqual(['primary-wire', 'primary-wire', 'primary-wire', 'fallback-wire']);
  });

  it('keeps a slow drip flowing (a slow stream is not a failure)', async () => {
    const running = await start({ primary: ', timeout: { first_token_ms: 500 }' });
    upstream.enqueue({ type: 'completion', text: 'drip drip drip drip', chunkDelayMs: 100 });
    const stream = await client(running).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('drip drip drip drip');
    expect(upstream.requests).toHaveLength(1);
  });
});

describe('circuit breaker', () => {
  it('half-opens after the cooldown with one probe, and closes when it succeeds', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { parseConfig } = await import('../../src/config/load-config.js');
    const { Gateway } = await import('../../src/gateway/gateway.js');
    const config = parseConfig(
      `
providers:
  fake: { type: openai, base_url: "${upstream.url}", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 2, cooldown_ms: 10000 } }
models:
  primary:  { provider: fake, model: primary-wire,  price: { input: 1, output: 1 } }
  fallback: { provider: fake, model: fallback-wire, price: { input: 1, output: 1 } }
routers:
  auto: { default: { fallback: [primary, fallback] } }
`,
      'breaker.yaml',
      { env: {} },
    );
    const library = await Gateway.create(config, { now: () => now });
    try {
      const ask = () => library.generate({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], stream: false, includeUsage: false, metadata: undefined, tools: undefined, responseFormat: undefined, maxOutputTokens: undefined, passthrough: {} }, { signal: new AbortController().signal });
      byModel({ 'primary-wire': (_, count) => (count <= 2 ? { type: 'error', status: 500 } : { type: 'completion', text: 'back' }) });
      await ask();
      await ask();
      expect(library.breakers.states().get('primary')).toBe('open');
      const skipped = await ask();
      expect(skipped.decision.filtered).toEqual([expect.objectContaining({ model: 'primary', reason: 'circuit_open' })]);
      expect(upstream.requestsFor('primary-wire')).toHaveLength(2);

      now += 10_001;
      expect(library.breakers.states().get('primary')).toBe('half_open');
      const probe = await ask();
      expect(probe.type === 'completion' && probe.model.name).toBe('primary');
      expect(library.breakers.states().get('primary')).toBe('closed');
    } finally {
      await library.close();
    }
  });

  it('when every candidate is open, calls none of them: a 503 whose retry-after is when the first cools down', async () => {
    const running = await start({
      primary: ', retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1, cooldown_ms: 60000 }',
      fallback: ', retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1, cooldown_ms: 30000 }',
    });
    upstream.enqueue({ type: 'error', status: 500 }, { type: 'error', status: 500 });
    const chat = (): Promise<Response> => fetch(`${running.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }) });
    expect((await chat()).status).toBe(503);
    expect([...running.gateway.breakers.states().values()]).toEqual(['open', 'open']);

    const response = await chat();
    expect(response.status).toBe(503);
    // The fallback's 30 s cooldown ends before the primary's 60 s.
    expect(response.headers.get('retry-after')).toBe('30');
    expect(upstream.requests).toHaveLength(2);
    expect(traceOf(running, response).decision.filtered.map((item) => item.reason)).toEqual(['circuit_open', 'circuit_open']);
  });
});

describe('load', () => {
  it('serves hundreds of concurrent requests with a flaky primary: no client-visible failure, upstream calls = traced attempts', async () => {
    const running = await start({ primary: ', retry: { initial_delay_ms: 5, max_delay_ms: 20 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 100000 }' });
    let primaryCalls = 0;
    upstream.respond((request) => {
      const model = String(request.body?.['model']);
      // Every third call to the primary fails, alternating 503s and dropped connections.
      if (model === 'primary-wire' && ++primaryCalls % 3 === 0) return primaryCalls % 2 === 0 ? { type: 'error', status: 503 } : { type: 'drop' };
      return { type: 'completion', text: `answer from ${model}`, delayMs: 5 };
    });
    const openai = client(running);
    const total = 300;
    const results = await Promise.allSettled(
      Array.from({ length: total }, async (_, index) => {
        const messages = [{ role: 'user' as const, content: `hello ${index}` }];
        if (index % 2 === 0) {
          const answer = await openai.chat.completions.create({ model: 'auto', messages });
          return answer.choices[0]?.message.content ?? '';
        }
        const stream = await openai.chat.completions.create({ model: 'auto', messages, stream: true });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        return text;
      }),
    );
    const failures = results.filter((result) => result.status === 'rejected');
    expect(failures).toEqual([]);
    expect(results.every((result) => result.status === 'fulfilled' && result.value.startsWith('answer from'))).toBe(true);

    const traces = running.gateway.traces.list();
    expect(traces).toHaveLength(total);
    expect(traces.every((trace) => trace.status === 'ok')).toBe(true);
    const attempts = traces.reduce((sum, trace) => sum + trace.attempts.length, 0);
    expect(attempts).toBe(upstream.requests.length);
    expect(primaryCalls).toBeGreaterThan(total);
  }, 30_000);
});
