import OpenAI from 'openai';
import { capturingLogger } from '../support/capturing-logger.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUILTIN_MODELS } from '../../src/catalog/builtin-catalog.js';
import { formatCost } from '../../src/cost/compute-cost.js';
import { startFakeAnthropicUpstream, type FakeAnthropicUpstream } from '../support/fake-anthropic-upstream.js';
import { defaultReply, startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { collectStream, streamedTrace, traceOf } from '../support/policy-test-helpers.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * The OpenAI client against a `type: anthropic` provider: the fake Anthropic upstream behind it,
 * the fake OpenAI upstream as the fallback of another dialect.
 */

const KEY = 'sk-ant-api03-Secret+Key/0123456789abcdefXYZ';
const OPUS = BUILTIN_MODELS['claude-opus-4-8'];

let anthropic: FakeAnthropicUpstream;
let openaiUpstream: FakeUpstream;
let running: TestGateway;
let client: OpenAI;
const logLines: string[] = [];

beforeAll(async () => {
  anthropic = await startFakeAnthropicUpstream({ apiKey: KEY });
  openaiUpstream = await startFakeUpstream();
  const logger = capturingLogger(logLines);
  running = await startGateway(
    `
providers:
  anthropic: { type: anthropic, base_url: "${anthropic.url}", api_key: "${KEY}", retry: { max_attempts: 2, initial_delay_ms: 10 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
  fake: { type: openai, base_url: "${openaiUpstream.url}", api_key: "sk-openai-fallback-0000", retry: { max_attempts: 1 } }
models:
  once: { from: claude-opus-4-8, retry: { max_attempts: 1 } }
  backup: { provider: fake, model: backup-wire, price: { input: 1, output: 2 } }
routers:
  failover:
    default: { fallback: [once, backup] }
`,
    {},
    { logger },
  );
  client = new OpenAI({ baseURL: running.baseURL, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await running.close();
  await anthropic.close();
  await openaiUpstream.close();
});

beforeEach(() => {
  anthropic.respond({ type: 'message' });
  anthropic.clearCache();
  anthropic.requests.length = 0;
  openaiUpstream.requests.length = 0;
  logLines.length = 0;
});

const lastBody = (): Record<string, unknown> => anthropic.requests.at(-1)?.body ?? {};

describe('type: anthropic, JSON', () => {
  it('answers a plain request through the Messages API, with its headers and a max_tokens from the catalog', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'claude-haiku-4-5', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe(defaultReply('claude-haiku-4-5'));
    expect(data.choices[0]?.finish_reason).toBe('stop');
    const request = anthropic.requests.at(-1);
    expect(request?.path).toBe('/v1/messages');
    expect(request?.headers['x-api-key']).toBe(KEY);
    expect(request?.headers['anthropic-version']).toBe('2023-06-01');
    expect(request?.body).toMatchObject({
      model: 'claude-haiku-4-5',
      max_tokens: BUILTIN_MODELS['claude-haiku-4-5'].max_output,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    });
    const usage = request?.usage;
    expect(data.usage?.prompt_tokens).toBe((usage?.input_tokens ?? 0) + (usage?.cache_creation_input_tokens ?? 0) + (usage?.cache_read_input_tokens ?? 0));
    expect(traceOf(running, response).attempts).toEqual([expect.objectContaining({ model: 'claude-haiku-4-5', provider: 'anthropic', outcome: 'ok' })]);
  });

  it('records what it could not carry as warnings on the Attempt', async () => {
    const { response } = await client.chat.completions.create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Hello' }], n: 2, seed: 7 }).withResponse();
    expect(lastBody()['n']).toBeUndefined();
    expect(lastBody()['seed']).toBeUndefined();
    expect(traceOf(running, response).attempts[0]?.warnings).toEqual([
      'n 2 was dropped: the Messages API answers with one choice',
      'seed was dropped: the Messages API has no such field',
    ]);
  });

  it('carries a tool-use round trip: tool_use out, tool_result back', async () => {
    const tools: OpenAI.ChatCompletionFunctionTool[] = [
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
    ];
    anthropic.enqueue({ type: 'message', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }] });
    const first = await client.chat.completions.create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, tool_choice: 'required' });
    const message = first.choices[0]?.message;
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(message?.tool_calls).toEqual([{ id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
    expect(lastBody()).toMatchObject({ tools: [{ name: 'get_weather', input_schema: tools[0]?.function.parameters }], tool_choice: { type: 'any' } });

    anthropic.enqueue({ type: 'message', content: [{ type: 'text', text: 'Sunny in Paris.' }] });
    const second = await client.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'Weather in Paris?' }, message as OpenAI.ChatCompletionMessageParam, { role: 'tool', tool_call_id: 'toolu_01', content: '22°C, sunny' }],
      tools,
    });
    expect(second.choices[0]?.message.content).toBe('Sunny in Paris.');
    expect(lastBody()['messages']).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '22°C, sunny' }] },
    ]);
  });

  it('answers a 400 (not a crash) to tool call arguments that are not JSON, without calling the upstream', async () => {
    const call = client.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"broken' } }] },
        { role: 'tool', tool_call_id: 't1', content: 'r' },
      ],
    });
    await expect(call).rejects.toMatchObject({ status: 400, message: expect.stringContaining('messages[1].tool_calls[0].function.arguments is not valid JSON') });
    expect(anthropic.requests).toHaveLength(0);
  });

  it('sends a json_schema response format as structured output, which the catalog now says the model takes', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    anthropic.enqueue({ type: 'message', content: [{ type: 'text', text: '{"answer":"4"}' }] });
    const data = await client.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: '2+2?' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema } },
    });
    expect(data.choices[0]?.message.content).toBe('{"answer":"4"}');
    expect(lastBody()['output_config']).toEqual({ format: { type: 'json_schema', schema } });
  });

  it('sends an image as an image block', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    await client.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] }],
    });
    expect(lastBody()['messages']).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }] },
    ]);
  });

  it('prices a cached turn with the catalog\'s cache read and write prices', async () => {
    const system = `You are a coding agent. ${'Follow the house rules. '.repeat(200)}`;
    const ask = (text: string) => client.chat.completions.create({ model: 'claude-opus-4-8', messages: [{ role: 'system', content: system }, { role: 'user', content: text }] }).withResponse();
    await ask('first turn');
    const { data, response } = await ask('second turn');
    const usage = anthropic.requests.at(-1)?.usage;
    // The breakpoint the provider added on the system prompt made the fake cache it on turn 1.
    expect(usage?.cache_read_input_tokens).toBeGreaterThan(1000);
    const { input, cached_input: cachedInput, cache_write: cacheWrite, output } = OPUS.price;
    const hand =
      ((usage?.input_tokens ?? 0) * input +
        (usage?.cache_read_input_tokens ?? 0) * (cachedInput ?? 0) +
        (usage?.cache_creation_input_tokens ?? 0) * (cacheWrite ?? 0) +
        (usage?.output_tokens ?? 0) * output) /
      1e6;
    expect(response.headers.get('x-switchyard-cost-usd')).toBe(formatCost(hand));
    expect(data.usage?.prompt_tokens_details?.cached_tokens).toBe(usage?.cache_read_input_tokens);
  });
});

describe('type: anthropic, streams', () => {
  it('streams text, thinking with its signature, and tool call deltas', async () => {
    anthropic.enqueue({
      type: 'message',
      content: [
        { type: 'thinking', thinking: 'The user wants weather.', signature: 'sig-abc' },
        { type: 'text', text: 'Checking now.' },
        { type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: { city: 'Rome' } },
      ],
    });
    const stream = await client.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'Weather in Rome?' }],
      stream: true,
      stream_options: { include_usage: true },
      reasoning_effort: 'high',
    });
    const { chunks, text } = await collectStream(stream);
    expect(lastBody()).toMatchObject({ stream: true, thinking: { type: 'adaptive' }, output_config: { effort: 'high' } });
    expect(text).toBe('Checking now.');
    const deltas = chunks.map((chunk) => chunk.choices[0]?.delta as Record<string, unknown> | undefined);
    expect(deltas.map((delta) => delta?.['reasoning_content'] ?? '').join('')).toBe('The user wants weather.');
    expect(deltas.flatMap((delta) => (delta?.['thinking_blocks'] as unknown[] | undefined) ?? [])).toEqual([{ type: 'thinking', thinking: '', signature: 'sig-abc' }]);
    const calls = deltas.flatMap((delta) => (delta?.['tool_calls'] as OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] | undefined) ?? []);
    expect(calls[0]).toMatchObject({ index: 0, id: 'toolu_9', function: { name: 'get_weather' } });
    expect(calls.map((call) => call.function?.arguments ?? '').join('')).toBe('{"city":"Rome"}');
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean)).toEqual(['tool_calls']);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(anthropic.requests.at(-1)?.usage?.output_tokens);
  });

  it('fails over invisibly to a model on an OpenAI upstream when Anthropic is overloaded before the first byte', async () => {
    anthropic.enqueue({ type: 'error', error: 'overloaded_error' });
    const { data, response } = await client.chat.completions.create({ model: 'failover', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
    const { text } = await collectStream(data);
    expect(text).toBe(defaultReply('backup-wire'));
    const trace = await streamedTrace(running, response);
    expect(trace.attempts).toEqual([
      expect.objectContaining({ model: 'once', outcome: 'error', error: expect.objectContaining({ status: 529 }) }),
      expect.objectContaining({ model: 'backup', outcome: 'ok' }),
    ]);
  });

  it('fails over invisibly too when the overloaded_error event comes after message_start but before any content', async () => {
    anthropic.enqueue({ type: 'message', errorAfterEvents: { after: 1, error: 'overloaded_error' } });
    const { data, response } = await client.chat.completions.create({ model: 'failover', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
    expect((await collectStream(data)).text).toBe(defaultReply('backup-wire'));
    expect((await streamedTrace(running, response)).attempts.map((attempt) => attempt.outcome)).toEqual(['error', 'ok']);
  });

  it('ends the OpenAI stream with an error, never a clean finish, when an error event comes after the first byte', async () => {
    anthropic.enqueue({ type: 'message', content: [{ type: 'text', text: 'one two three four' }], errorAfterEvents: { after: 5, error: 'overloaded_error' } });
    const response = await fetch(`${running.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'failover', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    const events = (await response.text()).trim().split('\n\n').map((event) => event.replace(/^data: /, ''));
    expect(events).not.toContain('[DONE]');
    const chunks = events.map((event) => JSON.parse(event) as Record<string, unknown>);
    const deltas = chunks.slice(0, -1).map((chunk) => (chunk['choices'] as Array<{ delta: { content?: string }; finish_reason: string | null }>)[0]);
    expect(deltas.map((choice) => choice?.delta.content ?? '').join('')).toBe('one two ');
    expect(deltas.every((choice) => choice?.finish_reason == null)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ error: { message: expect.stringContaining('Overloaded') } });
    expect(openaiUpstream.requests).toHaveLength(0);
  });
});

describe('type: anthropic, cut streams', () => {
  it('ends the OpenAI stream with an error when the upstream stream breaks without message_stop', async () => {
    anthropic.enqueue({ type: 'message', content: [{ type: 'text', text: 'one two three four' }], cutAfterEvents: 5 });
    const response = await fetch(`${running.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    const text = await response.text();
    expect(text).toContain('"content":"one "');
    expect(text).not.toContain('[DONE]');
    expect(JSON.parse(text.trim().split('\n\n').at(-1)?.replace(/^data: /, '') ?? '{}')).toMatchObject({ error: { code: 'upstream_connection_error' } });
  });

  it('ends it with an error too when the upstream closes the stream cleanly before message_stop', async () => {
    anthropic.enqueue({
      type: 'events',
      events: [
        { event: 'message_start', data: { type: 'message_start', message: { id: 'msg_x', model: 'claude-haiku-4-5', content: [], usage: { input_tokens: 5, output_tokens: 1 } } } },
        { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
        { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'half an answer' } } },
      ],
    });
    const response = await fetch(`${running.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    const text = await response.text();
    expect(text).toContain('"content":"half an answer"');
    expect(text).not.toContain('[DONE]');
    expect(JSON.parse(text.trim().split('\n\n').at(-1)?.replace(/^data: /, '') ?? '{}')).toMatchObject({ error: { code: 'upstream_protocol_error' } });
  });
});

describe('type: anthropic, rate limits and secrets', () => {
  const limitsLeft = Object.fromEntries(['requests', 'tokens', 'input-tokens', 'output-tokens'].map((limit) => [`anthropic-ratelimit-${limit}-remaining`, '1']));

  it('retries a 429 after its retry-after', async () => {
    // The rate-limit headers say no limit is exhausted: only retry-after names the wait.
    anthropic.enqueue({ type: 'error', error: 'rate_limit_error', retryAfterSeconds: 1, headers: limitsLeft });
    const started = performance.now();
    const { data, response } = await client.chat.completions.create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(data.choices[0]?.message.content).toBe(defaultReply('claude-haiku-4-5'));
    expect(anthropic.requests).toHaveLength(2);
    expect(traceOf(running, response).attempts).toEqual([
      expect.objectContaining({ outcome: 'error', error: expect.objectContaining({ status: 429 }) }),
      expect.objectContaining({ outcome: 'ok', retry: 1 }),
    ]);
  });

  it('without retry-after, retries a 429 when the exhausted limit resets', async () => {
    const reset = new Date(Date.now() + 1_500).toISOString();
    anthropic.enqueue({ type: 'error', error: 'rate_limit_error', retryAfterSeconds: null, headers: { 'anthropic-ratelimit-tokens-remaining': '0', 'anthropic-ratelimit-tokens-reset': reset } });
    const started = performance.now();
    await client.chat.completions.create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(anthropic.requests).toHaveLength(2);
  });

  it('never lets the key into errors, traces or logs, whatever the upstream echoes', async () => {
    const echo = `invalid x-api-key: ${KEY}`;
    anthropic.respond({ type: 'error', error: 'authentication_error', message: echo });
    const error = await client.chat.completions.create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const clientText = JSON.stringify((error as InstanceType<typeof OpenAI.APIError>).error);
    expect(clientText).toContain('invalid x-api-key: [REDACTED]');

    anthropic.respond({ type: 'message', content: [{ type: 'text', text: 'partial answer' }], errorAfterEvents: { after: 4, error: 'api_error', message: echo } });
    const response = await fetch(`${running.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    const streamText = await response.text();
    expect(streamText).toContain('[REDACTED]');
    const trace = await streamedTrace(running, response);
    const everything = [clientText, streamText, JSON.stringify(trace), JSON.stringify(running.gateway.traces.list()), logLines.join('')].join('\n');
    for (let start = 0; start + 8 <= KEY.length; start++) expect(everything).not.toContain(KEY.slice(start, start + 8));
  });
});
