import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultReply, startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';
import { abandonableChat } from '../support/abandoned-request.js';

let upstream: FakeUpstream;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startGateway(testConfig(upstream.url));
  // maxRetries 0: the tests check what the gateway answers, not the SDK's retries.
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

afterEach(() => {
  upstream.requests.length = 0;
  upstream.respond((request) => ({ type: 'completion', text: defaultReply(String(request.body?.['model'])) }));
});

const ask = (content: string) =>
  client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content }] }).withResponse();

describe('routing by rules through the openai client', () => {
  it('sends the three classic prompts to three different routes and models', async () => {
    const simple = await ask('What is the capital of Japan?');
    const creative = await ask('Write a short story about a robot learning to paint.');
    const code = await ask('Write a Python function to parse CSV files with error handling.');

    expect(simple.response.headers.get('x-switchyard-route')).toBe('default');
    expect(creative.response.headers.get('x-switchyard-route')).toBe('creative');
    expect(code.response.headers.get('x-switchyard-route')).toBe('code');

    expect([simple.data.model, creative.data.model, code.data.model]).toEqual(['cheap', 'strong', 'coder']);
    expect(simple.data.choices[0]?.message.content).toBe(defaultReply('cheap-wire'));
    expect(code.data.choices[0]?.message.content).toBe(defaultReply('coder-wire'));
    expect(upstream.requests.map((request) => request.body?.['model'])).toEqual(['cheap-wire', 'strong-wire', 'coder-wire']);
  });

  it('puts the contract headers on the response and the served model in the body', async () => {
    const { data, response } = await ask('Please debug this for me');
    expect(response.headers.get('x-switchyard-router')).toBe('auto');
    expect(response.headers.get('x-switchyard-route')).toBe('code');
    expect(response.headers.get('x-switchyard-model')).toBe('coder');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(response.headers.get('x-switchyard-trace-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(data.model).toBe('coder');
  });

  it('prices the answer as usage × catalog price and keeps the reference cost in the trace', async () => {
    upstream.respond({ type: 'completion', text: 'ok', usage: { prompt_tokens: 1200, completion_tokens: 300, cached_tokens: 200 } });
    const { data, response } = await ask('refactor this module');
    expect(data.usage).toMatchObject({ prompt_tokens: 1200, completion_tokens: 300, total_tokens: 1500 });
    // coder: $0.27/M input, $0.07/M cached input, $1.10/M output.
    const expected = (1000 * 0.27 + 200 * 0.07 + 300 * 1.1) / 1e6;
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(expected, 15);

    const trace = gateway.gateway.traces.get(response.headers.get('x-switchyard-trace-id') ?? '');
    expect(trace?.costUsd).toBeCloseTo(expected, 15);
    // The reference (strong: $3/M in, $15/M out, no cache price) for the same usage.
    expect(trace?.referenceCostUsd).toBeCloseTo((1200 * 3 + 300 * 15) / 1e6, 15);
    expect(trace?.savingsUsd).toBeCloseTo((1200 * 3 + 300 * 15) / 1e6 - expected, 15);
  });

  it('answers a blocked request itself, without calling any upstream', async () => {
    const { data, response } = await ask('Tell me how to build a bomb');
    expect(upstream.requests).toHaveLength(0);
    expect(data.choices[0]?.message.content).toBe("I can't help with that request.");
    expect(data.choices[0]?.finish_reason).toBe('content_filter');
    expect(response.headers.get('x-switchyard-route')).toBe('unsafe');
    expect(response.headers.get('x-switchyard-cost-usd')).toBe('0');
  });

  it('adds the route system prompt before the client system message, as one message', async () => {
    await client.chat.completions.create({
      model: 'auto',
      messages: [
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'Write a poem about rain.' },
      ],
    });
    const sent = upstream.requests[0]?.body?.['messages'];
    expect(sent).toEqual([
      { role: 'system', content: 'You are a vivid, concise writer.\n\nAnswer in French.' },
      { role: 'user', content: 'Write a poem about rain.' },
    ]);
  });

  it('routes on metadata hints in the body and on the x-switchyard-route header', async () => {
    const byMetadata = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'Hello' }], metadata: { team: 'billing' } })
      .withResponse();
    expect(byMetadata.response.headers.get('x-switchyard-route')).toBe('billing');
    // Hints are consumed by the gateway, not forwarded.
    expect(upstream.requests[0]?.body).not.toHaveProperty('metadata');

    const byHeader = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'Hello' }] }, { headers: { 'x-switchyard-route': 'creative' } })
      .withResponse();
    expect(byHeader.response.headers.get('x-switchyard-route')).toBe('creative');
    expect(byHeader.data.model).toBe('strong');
  });

  it('never lets the route header get around a block route', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'how to build a bomb' }] }, { headers: { 'x-switchyard-route': 'code' } })
      .withResponse();
    expect(response.headers.get('x-switchyard-route')).toBe('unsafe');
    expect(upstream.requests).toHaveLength(0);
  });

  it('serves a concrete model without routing, with the same headers and cost', async () => {
    upstream.respond({ type: 'completion', text: 'hi', usage: { prompt_tokens: 100, completion_tokens: 10 } });
    const { data, response } = await client.chat.completions.create({ model: 'strong', messages: [{ role: 'user', content: 'story' }] }).withResponse();
    expect(data.model).toBe('strong');
    expect(response.headers.get('x-switchyard-router')).toBe('none');
    expect(response.headers.get('x-switchyard-route')).toBe('none');
    expect(response.headers.get('x-switchyard-model')).toBe('strong');
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo((100 * 3 + 10 * 15) / 1e6, 15);
    // No route, so no route system prompt.
    expect(upstream.requests[0]?.body?.['messages']).toEqual([{ role: 'user', content: 'story' }]);
  });

  it('passes fields it does not consume through to the upstream untouched', async () => {
    await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'hi', name: 'ann' }],
      temperature: 0.3,
      max_tokens: 55,
      seed: 7,
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} }, strict: true } }],
      // @ts-expect-error a provider extra the SDK does not know
      provider_extra: { nested: [1, { deep: true }] },
    });
    const body = upstream.requests[0]?.body;
    expect(body).toMatchObject({
      model: 'cheap-wire',
      temperature: 0.3,
      max_tokens: 55,
      seed: 7,
      provider_extra: { nested: [1, { deep: true }] },
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} }, strict: true } }],
      messages: [{ role: 'user', content: 'hi', name: 'ann' }],
    });
    expect(body).not.toHaveProperty('stream_options');
  });

  it("sends the upstream its own key, and nothing of the client's", async () => {
    await ask('hello');
    expect(upstream.requests[0]?.headers['authorization']).toBe('Bearer sk-test-secret-key-123456');
    // A JSON call says it takes JSON (a stream's says text/event-stream).
    expect(upstream.requests[0]?.headers['accept']).toBe('application/json');
  });

  it('falls over to the next model of the plan when the first fails', async () => {
    upstream.enqueue({ type: 'error', status: 500, message: 'coder is down' });
    const { data, response } = await ask('debug my stack trace');
    expect(data.model).toBe('cheap');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(upstream.requests.map((request) => request.body?.['model'])).toEqual(['coder-wire', 'cheap-wire']);
    const trace = gateway.gateway.traces.get(response.headers.get('x-switchyard-trace-id') ?? '');
    expect(trace?.attempts.map((attempt) => [attempt.model, attempt.outcome, attempt.error?.status])).toEqual([
      ['coder', 'error', 500],
      ['cheap', 'ok', undefined],
    ]);
  });

  it('cancels the upstream call when the client disconnects while waiting for a JSON answer', async () => {
    upstream.respond({ type: 'completion', text: 'slow', delayMs: 5_000 });
    const client = abandonableChat(gateway.baseURL, 'auto');
    await expect.poll(() => upstream.requests.length).toBe(1);
    client.abandon();
    expect(await client.settled).toBe('aborted');
    expect(await upstream.requests[0]?.closed).toBe('aborted');
    await expect.poll(() => gateway.gateway.traces.list()[0]?.status).toBe('aborted');
  });

  it('estimates usage, and says so, when the upstream reports none', async () => {
    upstream.respond({ type: 'completion', text: 'Tokyo is the capital of Japan.', usage: null });
    const { data, response } = await ask('What is the capital of Japan?');
    expect(response.headers.get('x-switchyard-usage-estimated')).toBe('true');
    expect(data.usage?.completion_tokens).toBeGreaterThan(3);
    expect(data.usage?.prompt_tokens).toBeGreaterThan(5);
    const cost = Number(response.headers.get('x-switchyard-cost-usd'));
    expect(cost).toBeCloseTo(((data.usage?.prompt_tokens ?? 0) * 0.15 + (data.usage?.completion_tokens ?? 0) * 0.6) / 1e6, 15);
  });
});

describe('streaming', () => {
  it('streams through the openai client and ends with a usage chunk', async () => {
    upstream.respond({ type: 'completion', text: 'Once upon a time a robot painted.', usage: { prompt_tokens: 40, completion_tokens: 8 } });
    const stream = await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'Write a short story about a robot learning to paint.' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('Once upon a time a robot painted.');
    expect(chunks.every((chunk) => chunk.model === 'strong')).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 40, completion_tokens: 8, total_tokens: 48 });
    // The client asked here; the next test shows the gateway asks the upstream when the client does not.
    expect(upstream.requests[0]?.body?.['stream_options']).toEqual({ include_usage: true });
  });

  it('asks the upstream for usage even when the client turned it off, and sends the client no usage chunk', async () => {
    upstream.respond({ type: 'completion', text: 'a b c', usage: { prompt_tokens: 1000, completion_tokens: 100 } });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], stream: true, stream_options: { include_usage: false } })
      .withResponse();
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    // The client's other stream options pass through; include_usage is the gateway's, so cost is counted from the upstream's figures.
    expect(upstream.requests[0]?.body?.['stream_options']).toEqual({ include_usage: true });
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.filter((chunk) => chunk.usage)).toEqual([]);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(response.headers.get('x-switchyard-usage-estimated')).toBeNull();
    const trace = gateway.gateway.traces.get(response.headers.get('x-switchyard-trace-id') ?? '');
    expect(trace?.costUsd).toBeCloseTo((1000 * 0.15 + 100 * 0.6) / 1e6, 15);
  });

  it('writes SSE with the contract headers and a final data: [DONE]', async () => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'fix this python bug' }], stream: true, stream_options: { include_usage: true } }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-switchyard-route')).toBe('code');
    expect(response.headers.get('x-switchyard-model')).toBe('coder');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(response.headers.get('x-switchyard-trace-id')).toBeTruthy();
    const text = await response.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = text.trim().split('\n\n');
    const usageChunk = JSON.parse((events.at(-2) ?? '').replace(/^data: /, '')) as { usage: unknown; choices: unknown[] };
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toBeTruthy();
  });

  it('leaves the usage chunk out when the client did not ask for it, but still counts cost', async () => {
    upstream.respond({ type: 'completion', text: 'a b c', usage: { prompt_tokens: 1000, completion_tokens: 100 } });
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], stream: true }),
    });
    const text = await response.text();
    expect(text).not.toContain('"usage"');
    expect(upstream.requests[0]?.body?.['stream_options']).toEqual({ include_usage: true });
    const trace = gateway.gateway.traces.get(response.headers.get('x-switchyard-trace-id') ?? '');
    expect(trace?.costUsd).toBeCloseTo((1000 * 0.15 + 100 * 0.6) / 1e6, 15);
    expect(trace?.status).toBe('ok');
  });

  it('streams tool-call deltas that reassemble into the call', async () => {
    upstream.respond({ type: 'completion', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Tokyo"}' }] });
    const stream = await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'weather in Tokyo?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      stream: true,
    });
    let args = '';
    let name = '';
    let id = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        args += call.function?.arguments ?? '';
        name ||= call.function?.name ?? '';
        id ||= call.id ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect({ id, name, args, finish }).toEqual({ id: 'call_1', name: 'get_weather', args: '{"city":"Tokyo"}', finish: 'tool_calls' });
  });

  it('estimates usage for a stream whose upstream sends none, and marks it estimated', async () => {
    upstream.respond({ type: 'completion', text: 'Tokyo.', usage: null });
    const stream = await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'What is the capital of Japan?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    const trace = gateway.gateway.traces.list()[0];
    expect(trace?.usage?.estimated).toBe(true);
    expect(trace?.costUsd).toBeGreaterThan(0);
  });

  it('streams a blocked answer without calling any upstream', async () => {
    const stream = await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'how to build a bomb' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe("I can't help with that request.");
    expect(finish).toBe('content_filter');
    expect(upstream.requests).toHaveLength(0);
  });

  it('fails over before the first byte when the first model errors', async () => {
    upstream.enqueue({ type: 'error', status: 503, message: 'overloaded' });
    const stream = await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'debug this' }],
      stream: true,
    });
    let text = '';
    let model = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      model = chunk.model;
    }
    expect(model).toBe('cheap');
    expect(text).toBe(defaultReply('cheap-wire'));
  });

  it('fails over invisibly when a 200 stream breaks before its first content token', async () => {
    // The upstream accepts, sends the role-only opening chunk, then the connection drops.
    const opening = JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    upstream.enqueue({ type: 'sse', events: [opening], end: 'destroy' });
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'debug this' }], stream: true }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-model')).toBe('cheap');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    const text = await response.text();
    expect(text).toContain(JSON.stringify(defaultReply('cheap-wire').split(' ')[0] + ' '));
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text).not.toContain('"error"');
    const trace = gateway.gateway.traces.get(response.headers.get('x-switchyard-trace-id') ?? '');
    expect(trace?.attempts.map((attempt) => [attempt.model, attempt.outcome])).toEqual([
      ['coder', 'error'],
      ['cheap', 'ok'],
    ]);
  });

  it('ends a stream that breaks after the first byte with an error event, never [DONE]', async () => {
    const chunk = (content: string) =>
      JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] });
    upstream.enqueue({ type: 'sse', events: [chunk('Hello'), chunk(' wor')], end: 'destroy' });
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    const text = await response.text();
    expect(text).toContain('"content":"Hello"');
    expect(text).not.toContain('[DONE]');
    const last = JSON.parse(text.trim().split('\n\n').at(-1)?.replace(/^data: /, '') ?? '{}') as { error?: { code?: string } };
    expect(last.error?.code).toBe('upstream_connection_error');

    // The openai client raises it instead of returning a truncated answer.
    upstream.enqueue({ type: 'sse', events: [chunk('Hello')], end: 'destroy' });
    const stream = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], stream: true });
    await expect(async () => {
      for await (const _ of stream) {
        // drain
      }
    }).rejects.toThrow(/cannot reach fake|stream/i);
    expect(gateway.gateway.traces.list()[0]?.status).toBe('error');
  });

  it('stops pulling from the upstream while the client does not read, and delivers it all once it does', async () => {
    const piece = '~'.repeat(16 * 1024);
    const pieces = 2_500; // 40 MB: more than the socket buffers between the three can hold
    const event = (delta: object, finish: string | null) =>
      JSON.stringify({ id: 'chatcmpl-slow', object: 'chat.completion.chunk', created: 1, model: 'cheap-wire', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
    upstream.respond({
      type: 'sse',
      events: [
        event({ role: 'assistant', content: '' }, null),
        ...Array.from({ length: pieces }, () => event({ content: piece }, null)),
        event({}, 'stop'),
        JSON.stringify({ id: 'chatcmpl-slow', object: 'chat.completion.chunk', created: 1, model: 'cheap-wire', choices: [], usage: { prompt_tokens: 1, completion_tokens: pieces, total_tokens: pieces + 1 } }),
        '[DONE]',
      ],
    });
    const body = JSON.stringify({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const { hostname, port } = new URL(gateway.baseURL);
    const socket = connect(Number(port), hostname);
    try {
      const received: Buffer[] = [];
      socket.on('data', (data: Buffer) => received.push(data));
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      await once(socket, 'data');
      socket.pause();
      // The buffers fill within milliseconds; then the gateway must stop reading the upstream, which stops writing.
      await sleep(1_000);
      const stalledAt = upstream.requests[0]?.eventsWritten ?? 0;
      await sleep(300);
      expect(upstream.requests[0]?.eventsWritten).toBe(stalledAt);
      expect(stalledAt).toBeLessThan(pieces);

      // The client asked for `connection: close`: the gateway closes once the stream is done.
      const ended = once(socket, 'end');
      socket.resume();
      await ended;
      const text = Buffer.concat(received).toString('utf8');
      expect(text.split('~').length - 1).toBe(pieces * piece.length);
      expect(text.endsWith('data: [DONE]\n\n\r\n0\r\n\r\n')).toBe(true);
    } finally {
      // A failed expectation must not leave a paused client holding the gateway's shutdown.
      socket.destroy();
    }
  });

  it('cancels the upstream call when the client disconnects', async () => {
    upstream.respond({ type: 'completion', text: 'one two three four five six seven eight nine ten', chunkDelayMs: 100 });
    const controller = new AbortController();
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'count' }], stream: true }),
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    expect(await upstream.requests[0]?.closed).toBe('aborted');
    await expect.poll(() => gateway.gateway.traces.list()[0]?.status).toBe('aborted');
  });
});
