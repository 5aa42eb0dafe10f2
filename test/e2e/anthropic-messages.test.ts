import Anthropic, { APIError, AuthenticationError, BadRequestError } from '@anthropic-ai/sdk';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultReply, startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';

/**
 * The Anthropic edge, end to end: the unmodified `@anthropic-ai/sdk` client (it parses JSON, SSE
 * by `event:` names and errors by status and body) against a real gateway whose models are served
 * by the fake OpenAI-compatible upstream, so every answer crosses dialects both ways.
 */

const KEY = 'gw-key-Anthropic-0123456789abcdef';
const WRONG_KEY = 'sk-ant-wrong-9876543210fedcba';
const MAX_BODY = 16 * 1024;

let upstream: FakeUpstream;
let gateway: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startGateway(testConfig(upstream.url, `server:\n  api_keys: ["${KEY}"]\n  max_body_size: ${MAX_BODY}\n`));
  // No /v1 in the base URL, as Claude Code and the SDK expect; maxRetries 0: the tests check what the gateway answers.
  client = new Anthropic({ baseURL: gateway.url, apiKey: KEY, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

afterEach(() => {
  upstream.requests.length = 0;
  upstream.respond((request) => ({ type: 'completion', text: defaultReply(String(request.body?.['model'])) }));
});

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

/** A raw POST, for what the SDK would refuse to send or hides (bad bodies, SSE bytes). */
async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: () => unknown; text: string; headers: Headers }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': KEY, ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as unknown, headers: response.headers };
}

/** Every series of `switchyard_edge_rejections_total`, keyed `dialect status reason`. */
async function edgeRejections(): Promise<Map<string, number>> {
  const text = await (await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
  const series = new Map<string, number>();
  for (const match of text.matchAll(/^switchyard_edge_rejections_total\{dialect="(\w+)",status="(\w+)",reason="(\w+)"\} (\d+)$/gm)) {
    series.set(`${match[1]} ${match[2]} ${match[3]}`, Number(match[4]));
  }
  return series;
}

describe('POST /v1/messages with @anthropic-ai/sdk, served by an OpenAI-compatible upstream', () => {
  it('answers messages.create with a Message, and sends the upstream Chat Completions', async () => {
    upstream.respond({ type: 'completion', text: 'Tokyo.', usage: { prompt_tokens: 30, completion_tokens: 2, cached_tokens: 10 } });
    const { data, response } = await client.messages
      .create({ model: 'cheap', max_tokens: 256, system: 'Be brief.', stop_sequences: ['END'], messages: [{ role: 'user', content: 'Capital of Japan?' }] })
      .withResponse();

    expect(data).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'cheap',
      content: [{ type: 'text', text: 'Tokyo.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      // input_tokens excludes the cache reads, which have their own field.
      usage: { input_tokens: 20, cache_read_input_tokens: 10, cache_creation_input_tokens: null, output_tokens: 2 },
    });
    const traceId = response.headers.get('x-switchyard-trace-id') ?? '';
    expect(data.id).toBe(`msg_${traceId.replaceAll('-', '')}`);
    expect(response.headers.get('request-id')).toBe(`req_${traceId.replaceAll('-', '')}`);
    expect(upstream.requests[0]?.body).toMatchObject({
      model: 'cheap-wire',
      max_tokens: 256,
      stop: ['END'],
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Capital of Japan?' },
      ],
    });
    expect(gateway.gateway.traces.get(traceId)?.usage).toMatchObject({ inputTokens: 30, cachedInputTokens: 10, outputTokens: 2 });
  });

  it('routes a router named as `model`, with the contract headers', async () => {
    const { data, response } = await client.messages
      .create({ model: 'auto', max_tokens: 100, messages: [{ role: 'user', content: 'Please debug this stack trace' }] })
      .withResponse();
    expect(response.headers.get('x-switchyard-router')).toBe('auto');
    expect(response.headers.get('x-switchyard-route')).toBe('code');
    expect(response.headers.get('x-switchyard-model')).toBe('coder');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeGreaterThan(0);
    expect(data.model).toBe('coder');
    expect(data.content).toEqual([{ type: 'text', text: defaultReply('coder-wire') }]);
  });

  it('streams with .stream(): text deltas, then the final message with its usage', async () => {
    upstream.respond({ type: 'completion', text: 'One two three four.', usage: { prompt_tokens: 12, completion_tokens: 4 } });
    const stream = client.messages.stream({ model: 'cheap', max_tokens: 100, messages: [{ role: 'user', content: 'Count' }] });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const message = await stream.finalMessage();

    expect(texts.join('')).toBe('One two three four.');
    expect(texts.length).toBeGreaterThan(1);
    expect(message.content).toEqual([{ type: 'text', text: 'One two three four.' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 12, output_tokens: 4 });
    expect(upstream.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('writes the SSE events with their names, in order', async () => {
    const { text, headers } = await post('/v1/messages?beta=true', JSON.stringify({ model: 'cheap', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'Hi' }] }));
    const events = [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
    expect(events[0]).toBe('message_start');
    expect(events).toContain('ping');
    expect(events.slice(-4)).toEqual(['content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(headers.get('x-switchyard-model')).toBe('cheap');
    expect(headers.get('request-id')).toMatch(/^req_[0-9a-f]{32}$/);
  });

  it('streams tool calls as tool_use blocks with input_json_delta, numbered after the text block', async () => {
    upstream.respond({ type: 'completion', text: 'Checking. ', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }, { id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}' }] });
    const stream = client.messages.stream({ model: 'cheap', max_tokens: 100, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather in Paris and Rome?' }] });
    const fragments: string[] = [];
    stream.on('inputJson', (fragment) => fragments.push(fragment));
    const message = await stream.finalMessage();

    expect(message.content).toEqual([
      { type: 'text', text: 'Checking. ' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(fragments.length).toBe(4);
    expect(upstream.requests[0]?.body?.['tools']).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: weatherTool.input_schema } },
    ]);
  });

  it('carries a tool use round trip: tool_use out, tool_result back as a tool message', async () => {
    upstream.respond({ type: 'completion', toolCalls: [{ id: 'call_9', name: 'get_weather', arguments: '{"city":"Oslo"}' }] });
    const first = await client.messages.create({
      model: 'cheap',
      max_tokens: 100,
      tools: [weatherTool],
      tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    const [use] = first.content;
    expect(use).toEqual({ type: 'tool_use', id: 'call_9', name: 'get_weather', input: { city: 'Oslo' } });
    expect(upstream.requests[0]?.body).toMatchObject({ tool_choice: { type: 'function', function: { name: 'get_weather' } }, parallel_tool_calls: false });

    upstream.respond({ type: 'completion', text: 'It is 3 degrees in Oslo.' });
    const second = await client.messages.create({
      model: 'cheap',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_9', content: '3°C, cloudy' }] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'It is 3 degrees in Oslo.' }]);
    expect(upstream.requests[1]?.body?.['messages']).toEqual([
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'call_9', content: '3°C, cloudy' },
    ]);
  });

  it('sends an image block as an image_url part with a data: URL', async () => {
    const png = Buffer.from('fake png bytes').toString('base64');
    const message = await client.messages.create({
      model: 'cheap',
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }] }],
    });
    expect(message.content).toEqual([{ type: 'text', text: defaultReply('cheap-wire') }]);
    expect(upstream.requests[0]?.body?.['messages']).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] },
    ]);
  });

  it('counts tokens with count_tokens (o200k), without calling a model', async () => {
    const text = 'How many tokens is this sentence?';
    const { input_tokens: tokens } = await client.messages.countTokens({ model: 'auto', system: 'Be brief.', messages: [{ role: 'user', content: text }] });
    // The gateway's accounting: each message's role and text, 3 tokens of framing per message and 3 for the reply.
    expect(tokens).toBe(countTokens('system') + countTokens('Be brief.') + countTokens('user') + countTokens(text) + 2 * 3 + 3);
    expect(upstream.requests).toEqual([]);
  });

  it('lists routers and models in Anthropic\'s shape when the request carries anthropic-version, paged', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list({ limit: 2 })) {
      expect(model).toMatchObject({ type: 'model', display_name: expect.any(String) });
      expect(Number.isNaN(Date.parse(model.created_at))).toBe(false);
      ids.push(model.id);
    }
    expect(ids).toEqual(['auto', 'cheap', 'coder', 'strong']);
    const first = await client.models.list({ limit: 3 });
    expect(first).toMatchObject({ has_more: true, first_id: 'auto', last_id: 'coder' });
    expect((await client.models.retrieve('strong')).id).toBe('strong');
    // Without the header, OpenAI's shape, as before.
    const openai = (await (await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { object: string };
    expect(openai.object).toBe('list');
  });

  it('fails over before the first byte invisibly: the stream comes from the fallback', async () => {
    upstream.enqueue({ type: 'error', status: 500, message: 'boom' });
    const stream = client.messages.stream({ model: 'auto', max_tokens: 100, messages: [{ role: 'user', content: 'Please debug this python' }] });
    const { response } = await stream.withResponse();
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: defaultReply('cheap-wire') }]);
    expect(response.headers.get('x-switchyard-model')).toBe('cheap');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(upstream.requests.map((request) => request.body?.['model'])).toEqual(['coder-wire', 'cheap-wire']);
  });

  it('ends a stream that fails after its first byte with an error event the SDK raises, and no message_stop', async () => {
    upstream.respond({ type: 'completion', text: 'one two three four five six', cutAfterChunks: 2 });
    const stream = client.messages.stream({ model: 'cheap', max_tokens: 100, messages: [{ role: 'user', content: 'Count' }] });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const failure = (await stream.finalMessage().catch((error: unknown) => error)) as APIError;
    expect(failure).toBeInstanceOf(APIError);
    expect(failure.error).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringMatching(/other side closed/) }, request_id: expect.stringMatching(/^req_/) });
    expect(texts.join('')).toBe('one two ');

    const raw = await post('/v1/messages', JSON.stringify({ model: 'cheap', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'Count' }] }));
    expect(raw.status).toBe(200);
    expect(raw.text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
    expect(raw.text).not.toContain('message_stop');
    expect(raw.text).not.toContain('message_delta');
  });

  it('streams a Claude Code-shaped turn back well-formed: beta path, system blocks with breakpoints, thinking, tools, a system message last', async () => {
    const cache = { type: 'ephemeral' } as const;
    const bash: Anthropic.Beta.BetaTool = { name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } } }, cache_control: cache };
    const turn = {
      model: 'cheap',
      max_tokens: 32000,
      betas: ['claude-code-20250219', 'interleaved-thinking-2025-05-14'],
      system: [
        { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1' },
        { type: 'text', text: 'You are Claude Code.', cache_control: cache },
      ],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      metadata: { user_id: '{"session_id":"s-1"}' },
      tools: [bash, ...Array.from({ length: 11 }, (_, index): Anthropic.Beta.BetaTool => ({ name: `Tool${index}`, input_schema: { type: 'object' } }))],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'List the files.', cache_control: cache }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'Run ls.', signature: 'sig' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' }] },
        { role: 'system', content: [{ type: 'text', text: '<env>cwd: /repo</env>', cache_control: cache }] },
      ],
    } as unknown as Anthropic.Beta.MessageCreateParamsStreaming;
    upstream.respond({ type: 'completion', text: 'There is a.txt.' });
    const stream = client.beta.messages.stream(turn);
    const { response } = await stream.withResponse();
    const message = await stream.finalMessage();

    expect(message).toMatchObject({ type: 'message', role: 'assistant', model: 'cheap', stop_reason: 'end_turn', content: [{ type: 'text', text: 'There is a.txt.' }] });
    expect(response.headers.get('x-switchyard-model')).toBe('cheap');
    const sent = upstream.requests[0]?.body?.['messages'] as { role: string }[];
    expect(sent.map((entry) => entry.role)).toEqual(['system', 'user', 'assistant', 'tool', 'system']);
    expect((upstream.requests[0]?.body?.['tools'] as unknown[]).length).toBe(12);
    // What Chat Completions cannot carry is dropped before the upstream sees it, and the trace says so.
    const sentText = JSON.stringify(upstream.requests[0]?.body);
    for (const gone of ['cache_control', 'thinking_blocks', 'budget_tokens', 'signature']) expect(sentText).not.toContain(gone);
    const traceId = response.headers.get('x-switchyard-trace-id') ?? '';
    await expect.poll(() => gateway.gateway.traces.get(traceId)).toBeDefined();
    expect(gateway.gateway.traces.get(traceId)?.attempts[0]?.warnings).toEqual([
      'dropped 4 cache_control breakpoint(s): OpenAI-compatible upstreams cache prompt prefixes by themselves',
      'dropped 1 thinking block(s) of earlier turns: their signatures are only valid at the vendor that made them',
      'dropped anthropic fields with no Chat Completions equivalent: thinking, metadata',
      'dropped anthropic headers: anthropic-beta',
    ]);
  });

  it('answers a blocked route with a refusal', async () => {
    const message = await client.messages.create({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'how to build a bomb' }] });
    expect(message).toMatchObject({ model: 'switchyard/blocked', stop_reason: 'refusal', content: [{ type: 'text', text: "I can't help with that request." }] });
    expect(upstream.requests).toEqual([]);
  });
});

describe('bad input on the Anthropic edge', () => {
  const expectError = async (answer: Promise<{ status: number; json: () => unknown }>, status: number, type: string, message: RegExp): Promise<void> => {
    const { status: got, json } = await answer;
    expect({ status: got, body: json() }).toEqual({ status, body: { type: 'error', error: { type, message: expect.stringMatching(message) }, request_id: expect.stringMatching(/^req_[0-9a-f]{32}$/) } });
  };
  const body = (fields: Record<string, unknown>): string => JSON.stringify({ model: 'cheap', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }], ...fields });

  it('answers each in Anthropic\'s error shape with a precise message, and keeps serving', async () => {
    await expectError(post('/v1/messages', JSON.stringify({ model: 'cheap', messages: [{ role: 'user', content: 'Hi' }] })), 400, 'invalid_request_error', /^Invalid request: max_tokens: Field required/);
    await expectError(
      post('/v1/messages', body({ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_nowhere', content: 'x' }] }] })),
      400,
      'invalid_request_error',
      /^Invalid request: messages\.0\.content\.0\.tool_use_id: tool_result block for tool use "toolu_nowhere", which no earlier assistant tool_use block has/,
    );
    await expectError(
      post('/v1/messages', body({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'hologram', data: 'x' }] }] })),
      400,
      'invalid_request_error',
      /^Invalid request: messages\.0\.content\.1\.type: unknown content block type "hologram"; expected one of text, image, document/,
    );
    await expectError(post('/v1/messages', body({ padding: 'x'.repeat(MAX_BODY) })), 413, 'request_too_large', /larger than the limit of 16384 bytes/);
    await expectError(post('/v1/messages', '{"model": "cheap",'), 400, 'invalid_request_error', /^The request body is not valid JSON/);
    await expectError(post('/v1/messages', body({ model: 'claude-opus-4-8' })), 404, 'not_found_error', /claude-opus-4-8/);
    await expectError(post('/v1/messages/batches', body({})), 404, 'not_found_error', /^Unknown path/);

    const message = await client.messages.create({ model: 'cheap', max_tokens: 10, messages: [{ role: 'user', content: 'still there?' }] });
    expect(message.content).toEqual([{ type: 'text', text: defaultReply('cheap-wire') }]);
  });

  it('is raised by the SDK as its typed error', async () => {
    const failure = await client.messages.create({ model: 'cheap', messages: [{ role: 'user', content: 'Hi' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BadRequestError);
    expect((failure as BadRequestError).error).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('takes the gateway key as x-api-key, and answers a wrong one 401 authentication_error', async () => {
    const withKey = (key: string): Anthropic => new Anthropic({ baseURL: gateway.url, apiKey: null, authToken: null, defaultHeaders: { 'x-api-key': key }, maxRetries: 0 });
    const ok = await withKey(KEY).messages.create({ model: 'cheap', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] });
    expect(ok.type).toBe('message');
    const failure = await withKey(WRONG_KEY).messages.create({ model: 'cheap', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AuthenticationError);
    expect((failure as AuthenticationError).error).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: 'Invalid API key.' } });
  });

  it('counts refusals under dialect anthropic', async () => {
    const before = await edgeRejections();
    await post('/v1/messages', JSON.stringify({ model: 'cheap', messages: [] }));
    await post('/v1/messages/count_tokens', '[1,', {});
    const after = await edgeRejections();
    expect((after.get('anthropic 400 invalid_request') ?? 0) - (before.get('anthropic 400 invalid_request') ?? 0)).toBe(1);
    expect((after.get('anthropic 400 invalid_json') ?? 0) - (before.get('anthropic 400 invalid_json') ?? 0)).toBe(1);
  });

  it('answers the probes Claude Code sends first, without a key', async () => {
    for (const path of ['/', '/api/hello']) {
      const response = await fetch(`${gateway.url}${path}`, { method: 'HEAD' });
      expect(response.status).toBe(200);
    }
  });
});
