import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropicUpstream, type FakeAnthropicUpstream } from './fake-anthropic-upstream.js';

// The fake is only worth what its fidelity is: these tests read its answers with the official
// SDK's client (which parses JSON, SSE events by their `event:` names, and errors by status and
// body), so a wrong field name or event shape in the fake fails here.

const KEY = 'sk-ant-test-key';
let fake: FakeAnthropicUpstream;
let clock = 1_000_000;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropicUpstream({ apiKey: KEY, now: () => clock });
  client = new Anthropic({ apiKey: KEY, baseURL: fake.url, maxRetries: 0 });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.respond({ type: 'message' });
  fake.clearCache();
  fake.requests.length = 0;
});

const ask = (content: string, model = 'claude-sonnet-4-6'): Anthropic.MessageCreateParamsNonStreaming => ({
  model,
  max_tokens: 256,
  messages: [{ role: 'user', content }],
});

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('fake Anthropic upstream, read by @anthropic-ai/sdk', () => {
  it('answers messages.create with a Message and records the request and its headers', async () => {
    const { data: message, request_id: requestId } = await client.messages
      .create(ask('Hello'), { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31, interleaved-thinking-2025-05-14' } })
      .withResponse();

    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-6',
      content: [{ type: 'text', text: 'Reply from claude-sonnet-4-6.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    expect(message.id).toMatch(/^msg_/);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const [recorded] = fake.requests;
    expect(requestId).toBe(recorded?.requestId);
    expect(recorded?.pathname).toBe('/v1/messages');
    expect(recorded?.headers['anthropic-version']).toEqual(expect.any(String));
    expect(recorded?.betas).toEqual(['prompt-caching-2024-07-31', 'interleaved-thinking-2025-05-14']);
    expect(recorded?.body).toMatchObject({ model: 'claude-sonnet-4-6', max_tokens: 256 });
    expect(fake.requestsFor('claude-sonnet-4-6')).toHaveLength(1);
  });

  it('streams a Message that .stream() assembles into the same final message, text deltas included', async () => {
    fake.respond({ type: 'message', content: [{ type: 'text', text: 'One two three four.' }], stopReason: 'stop_sequence', stopSequence: 'END' });
    const stream = client.messages.stream({ ...ask('Count'), stop_sequences: ['END'] });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const message = await stream.finalMessage();

    expect(texts.join('')).toBe('One two three four.');
    expect(texts.length).toBeGreaterThan(1);
    expect(message.content).toEqual([{ type: 'text', text: 'One two three four.', citations: null }]);
    expect(message.stop_reason).toBe('stop_sequence');
    expect(message.stop_sequence).toBe('END');
    expect(message.usage).toMatchObject({ input_tokens: fake.requests[0]?.usage?.input_tokens, output_tokens: fake.requests[0]?.usage?.output_tokens });
    expect(fake.requests[0]?.body?.['stream']).toBe(true);
  });

  it('writes each stream event with its `event:` line, a ping after the first block opens', async () => {
    const response = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ ...ask('Hi'), stream: true }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames = (await response.text()).trim().split('\n\n');
    const names = frames.map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      const name = eventLine?.replace(/^event: /, '');
      expect(JSON.parse(dataLine?.replace(/^data: /, '') ?? '').type).toBe(name);
      return name;
    });
    expect(names).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      // `Reply from claude-sonnet-4-6.`, a word at a time.
      ...Array(3).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('answers with tool_use blocks, as JSON and as input_json_delta fragments', async () => {
    const call = { type: 'tool_use' as const, id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } };
    fake.respond({ type: 'message', content: [{ type: 'text', text: 'Let me check.' }, call] });

    const message = await client.messages.create({ ...ask('Weather in Paris?'), tools: [weatherTool] });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content[1]).toMatchObject({ type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } });

    const fragments: string[] = [];
    const stream = client.messages.stream({ ...ask('Weather in Paris?'), tools: [weatherTool] });
    stream.on('inputJson', (fragment) => fragments.push(fragment));
    const streamed = await stream.finalMessage();
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.content[1]).toMatchObject({ type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } });
    expect(fragments.length).toBeGreaterThan(1);
    expect(fragments.join('')).toBe(JSON.stringify(call.input));
  });

  it('answers with thinking blocks and their signatures, and redacted thinking, in JSON and in a stream', async () => {
    const content = [
      { type: 'thinking' as const, thinking: 'The user wants a sum. Two plus two is four.', signature: 'EqQBCkYIBxgCKkBsig==' },
      { type: 'redacted_thinking' as const, data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT' },
      { type: 'text' as const, text: '4' },
    ];
    fake.respond({ type: 'message', content });
    const thinking: Anthropic.MessageCreateParamsNonStreaming = { ...ask('2+2?'), max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 } };

    const message = await client.messages.create(thinking);
    expect(message.content).toEqual([content[0], content[1], { type: 'text', text: '4', citations: null }]);
    expect(message.usage.output_tokens_details?.thinking_tokens).toBeGreaterThan(0);

    const signatures: string[] = [];
    const stream = client.messages.stream(thinking);
    stream.on('signature', (signature) => signatures.push(signature));
    const streamed = await stream.finalMessage();
    expect(streamed.content).toEqual(message.content);
    expect(signatures).toEqual(['EqQBCkYIBxgCKkBsig==']);
    expect(fake.requests[0]?.body?.['thinking']).toEqual({ type: 'enabled', budget_tokens: 1024 });
  });

  describe('prompt cache', () => {
    const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: 'You are a careful coding agent. '.repeat(40), cache_control: { type: 'ephemeral' } }];
    const turn = (messages: Anthropic.MessageParam[], model = 'claude-sonnet-4-6'): Anthropic.MessageCreateParamsNonStreaming => ({
      model,
      max_tokens: 256,
      system,
      tools: [weatherTool],
      messages,
    });
    const cachedUser = (text: string): Anthropic.MessageParam => ({ role: 'user', content: [{ type: 'text', text, cache_control: { type: 'ephemeral' } }] });

    it('writes the cached prefix on the first call and reads it from the second call of the conversation on', async () => {
      const first = await client.messages.create(turn([cachedUser('Read src/app.ts')]));
      expect(first.usage.cache_read_input_tokens).toBe(0);
      expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
      expect(first.usage.cache_creation).toEqual({ ephemeral_5m_input_tokens: first.usage.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 });

      const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'Read src/app.ts' }, { role: 'assistant', content: 'Done.' }];
      const second = await client.messages.create(turn([...history, cachedUser('Now fix the bug')]));
      expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
      expect(second.usage.cache_creation_input_tokens).toBeGreaterThan(0);

      const count = await client.messages.countTokens(turn([...history, cachedUser('Now fix the bug')]));
      const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens } = second.usage;
      expect(count.input_tokens).toBe(input_tokens + (cache_creation_input_tokens ?? 0) + (cache_read_input_tokens ?? 0));
    });

    it('keeps a cache per model, splits writes by TTL, and lets entries expire', async () => {
      const long: Anthropic.TextBlockParam[] = [{ type: 'text', text: 'Long-lived context. '.repeat(50), cache_control: { type: 'ephemeral', ttl: '1h' } }];
      const request = { ...turn([cachedUser('Hello')]), system: [...long, ...system] };
      const first = await client.messages.create(request);
      expect(first.usage.cache_creation?.ephemeral_1h_input_tokens).toBeGreaterThan(0);
      expect(first.usage.cache_creation?.ephemeral_5m_input_tokens).toBeGreaterThan(0);

      const otherModel = await client.messages.create({ ...request, model: 'claude-haiku-4-5' });
      expect(otherModel.usage.cache_read_input_tokens).toBe(0);

      // A hit refreshes the entry: eight minutes after the write, the 5-minute part is still warm.
      const whole = first.usage.cache_creation_input_tokens;
      for (let step = 0; step < 2; step++) {
        clock += 4 * 60_000;
        expect((await client.messages.create(request)).usage.cache_read_input_tokens).toBe(whole);
      }
      clock += 6 * 60_000;
      const later = await client.messages.create(request);
      expect(later.usage.cache_read_input_tokens).toBe(first.usage.cache_creation?.ephemeral_1h_input_tokens);
    });

    it('caches nothing shorter than minCacheTokens, as the API ignores short breakpoints', async () => {
      const strict = await startFakeAnthropicUpstream({ minCacheTokens: 100_000 });
      try {
        const strictClient = new Anthropic({ apiKey: KEY, baseURL: strict.url, maxRetries: 0 });
        for (let call = 0; call < 2; call++) {
          const { usage } = await strictClient.messages.create(turn([cachedUser('Read src/app.ts')]));
          expect([usage.cache_creation_input_tokens, usage.cache_read_input_tokens]).toEqual([0, 0]);
        }
      } finally {
        await strict.close();
      }
    });

    it('reports scripted cache usage as given, in JSON and in the stream', async () => {
      const usage = { input_tokens: 12, output_tokens: 34, cache_read_input_tokens: 5000, cache_creation_input_tokens: 300 };
      fake.enqueue({ type: 'message', usage }, { type: 'message', usage });
      const message = await client.messages.create(ask('Hi'));
      expect(message.usage).toMatchObject({ ...usage, cache_creation: { ephemeral_5m_input_tokens: 300, ephemeral_1h_input_tokens: 0 } });
      const streamed = await client.messages.stream(ask('Hi')).finalMessage();
      expect(streamed.usage).toMatchObject(usage);
    });
  });

  it('counts tokens and lists models', async () => {
    const count = await client.messages.countTokens({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hello there' }] });
    expect(count.input_tokens).toBeGreaterThan(0);
    expect(fake.requests[0]?.pathname).toBe('/v1/messages/count_tokens');

    const ids: string[] = [];
    for await (const model of client.models.list({ limit: 2 })) ids.push(model.id);
    expect(ids).toEqual(['claude-opus-4-8', 'claude-sonnet-4-6', 'claude-haiku-4-5']);
    expect((await client.models.retrieve('claude-haiku-4-5')).type).toBe('model');
  });

  describe('faults', () => {
    const failure = async (promise: Promise<unknown>): Promise<APIError> => {
      const error = await promise.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(Anthropic.APIError);
      return error as APIError;
    };

    it.each([
      ['overloaded_error', 529, Anthropic.OverloadedError],
      ['api_error', 500, Anthropic.InternalServerError],
      ['invalid_request_error', 400, Anthropic.BadRequestError],
      ['authentication_error', 401, Anthropic.AuthenticationError],
      ['rate_limit_error', 429, Anthropic.RateLimitError],
    ] as const)('%s comes back with status %i and its type', async (type, status, errorClass) => {
      fake.enqueue({ type: 'error', error: type, message: `scripted ${type}` });
      const error = await failure(client.messages.create(ask('Hi')));
      expect(error).toBeInstanceOf(errorClass);
      expect(error.status).toBe(status);
      expect(error.type).toBe(type);
      expect(error.apiMessage).toBe(`scripted ${type}`);
      expect(error.requestID).toBe(fake.requests[0]?.requestId);
      expect(error.error).toEqual({ type: 'error', error: { type, message: `scripted ${type}` }, request_id: fake.requests[0]?.requestId });
    });

    it('sends retry-after and the anthropic-ratelimit headers on a 429', async () => {
      fake.enqueue({ type: 'error', error: 'rate_limit_error', retryAfterSeconds: 7 });
      const error = await failure(client.messages.create(ask('Hi')));
      expect(error.headers?.get('retry-after')).toBe('7');
      for (const kind of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
        expect(error.headers?.get(`anthropic-ratelimit-${kind}-remaining`)).toBe('0');
        expect(Number(error.headers?.get(`anthropic-ratelimit-${kind}-limit`))).toBeGreaterThan(0);
        const reset = Date.parse(error.headers?.get(`anthropic-ratelimit-${kind}-reset`) ?? '');
        expect(reset - Date.now()).toBeGreaterThan(3_000);
      }
    });

    it('refuses what the real API refuses: a wrong key, no anthropic-version, no max_tokens, an unknown path', async () => {
      const wrongKey = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: fake.url, maxRetries: 0 });
      expect((await failure(wrongKey.messages.create(ask('Hi')))).status).toBe(401);

      const post = (path: string, headers: Record<string, string>, body: unknown): Promise<Response> =>
        fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      const noVersion = await post('/v1/messages', { 'x-api-key': KEY }, ask('Hi'));
      expect(noVersion.status).toBe(400);
      expect(await noVersion.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } });
      const noKey = await post('/v1/messages', { 'anthropic-version': '2023-06-01' }, ask('Hi'));
      expect(noKey.status).toBe(401);
      const { max_tokens: _omitted, ...noMaxTokens } = ask('Hi');
      const missing = await post('/v1/messages?beta=true', { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' }, noMaxTokens);
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
      const unknown = await post('/v1/complete', { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' }, ask('Hi'));
      expect(unknown.status).toBe(404);
    });

    it('ends a stream with an error event mid-stream, after the events before it', async () => {
      fake.enqueue({ type: 'message', content: [{ type: 'text', text: 'Partial answer that never ends' }], errorAfterEvents: { after: 4, error: 'overloaded_error' } });
      const texts: string[] = [];
      const stream = client.messages.stream(ask('Hi'));
      stream.on('text', (text) => texts.push(text));
      const error = await failure(stream.finalMessage());
      expect(error.status).toBeUndefined();
      expect(error.type).toBe('overloaded_error');
      expect(texts).toEqual(['Partial ']);
      expect(fake.requests[0]?.eventsWritten).toBe(5);
    });

    it('cuts a stream after N events', async () => {
      fake.enqueue({ type: 'message', content: [{ type: 'text', text: 'This answer is cut short' }], cutAfterEvents: 5 });
      const texts: string[] = [];
      const stream = client.messages.stream(ask('Hi'));
      stream.on('text', (text) => texts.push(text));
      await expect(stream.finalMessage()).rejects.toThrow();
      expect(texts).toEqual(['This ', 'answer ']);
      expect(fake.requests[0]?.eventsWritten).toBe(5);
    });

    it('sends verbatim events and raw bodies', async () => {
      const message = await client.messages.create(ask('Hi'));
      fake.enqueue({
        type: 'events',
        events: [
          { event: 'message_start', data: { type: 'message_start', message: { ...message, content: [] } } },
          { event: 'ping', data: '{"type": "ping"}' },
          { event: 'message_stop', data: { type: 'message_stop' } },
        ],
      });
      expect((await client.messages.stream(ask('Hi')).finalMessage()).id).toBe(message.id);

      fake.enqueue({ type: 'raw', status: 200, headers: { 'content-type': 'application/json' }, body: '{"type":"message"' });
      await expect(client.messages.create(ask('Hi'))).rejects.toThrow();
    });

    it('drops a connection without answering', async () => {
      fake.enqueue({ type: 'drop' });
      expect(await failure(client.messages.create(ask('Hi')))).toBeInstanceOf(Anthropic.APIConnectionError);
    });

    it('delays the first byte, or the first event after the headers', async () => {
      fake.enqueue({ type: 'message', delayMs: 400 });
      let started = performance.now();
      await client.messages.create(ask('Hi'));
      expect(performance.now() - started).toBeGreaterThanOrEqual(390);

      fake.enqueue({ type: 'message', firstEventDelayMs: 600 });
      started = performance.now();
      const response = await client.messages.create({ ...ask('Hi'), stream: true }).asResponse();
      const headersAt = performance.now();
      const reader = response.body?.getReader();
      await reader?.read();
      const firstEventAt = performance.now();
      await reader?.cancel();
      expect(firstEventAt - started).toBeGreaterThanOrEqual(590);
      expect(firstEventAt - headersAt).toBeGreaterThan(300);
    });
  });
});
