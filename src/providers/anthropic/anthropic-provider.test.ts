import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeLocalUpstreams, localUpstream } from '../../../test/support/local-upstream.js';
import { answerOf, partsOf } from '../../../test/support/stream-parts.js';
import { startFakeAnthropicUpstream, type FakeAnthropicUpstream } from '../../../test/support/fake-anthropic-upstream.js';
import { createChatRequest } from '../../spec/create-chat-request.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import { DEFAULT_RELIABILITY } from '../../spec/reliability.js';
import { Cancellation, CancellationSource } from '../../util/cancellation.js';
import type { Provider } from '../../spec/provider.js';
import { createAnthropicProvider } from './anthropic-provider.js';

const KEY = 'sk-ant-provider-test-0123456789';
let upstream: FakeAnthropicUpstream;

beforeAll(async () => {
  upstream = await startFakeAnthropicUpstream({ apiKey: KEY });
});

afterAll(async () => {
  await upstream.close();
});

const spec: ModelSpec = {
  name: 'haiku',
  provider: 'claude',
  wireModel: 'claude-haiku-4-5',
  price: { input: 1, cachedInput: 0.1, cacheWrite: 1.25, output: 5 },
  contextWindow: 200000,
  maxOutput: 64000,
  capabilities: { tools: true, jsonSchema: true, vision: true, streaming: true, reasoning: true, builtinTools: false },
  reliability: DEFAULT_RELIABILITY,
  origin: 'config',
};

/** The provider under test, on the fake upstream, with these configured headers. */
const claudeProvider = (headers: Record<string, string>, origin = upstream.url): Provider =>
  createAnthropicProvider({
    type: 'anthropic',
    name: 'claude',
    disabled: undefined,
    reliability: { retry: {}, timeout: {}, circuitBreaker: {} },
    upstreamUrl: origin,
    baseUrl: origin,
    apiKey: KEY,
    version: '2023-06-01',
    promptCaching: 'off',
    headers,
    maxConnections: 4,
    maxResponseBytes: 1024 * 1024,
  });

describe('createAnthropicProvider', () => {
  it("adds a request's betas to the configured ones, and lets no request set the key or the version", async () => {
    const provider = claudeProvider({ 'Anthropic-Beta': 'configured-beta' });
    try {
      const request = createChatRequest('haiku', 'hi', {
        dialect: 'anthropic',
        dialectHeaders: { 'anthropic-beta': 'client-beta, configured-beta', 'x-api-key': 'client-key', 'anthropic-version': '1999-01-01' },
      });
      const cancellation = Cancellation.NEVER;
      const result = await provider.languageModel(spec).doGenerate(request, { signal: cancellation.signal, cancellation });
      expect(result.choices[0]?.message.content).toBe('Reply from claude-haiku-4-5.');
      const sent = upstream.requests.at(-1);
      expect(sent?.betas).toEqual(['configured-beta', 'client-beta']);
      expect(sent?.headers['x-api-key']).toBe(KEY);
      expect(sent?.headers['anthropic-version']).toBe('2023-06-01');
    } finally {
      await provider.close();
    }
  });
});

describe('AnthropicChatModel.doGenerate, a JSON answer read whole', () => {
  let provider: Provider;
  const options = (cancellation: Cancellation) => ({ cancellation, signal: cancellation.signal });
  const generate = (cancellation: Cancellation = Cancellation.NEVER) => provider.languageModel(spec).doGenerate(createChatRequest('haiku', 'hi'), options(cancellation));

  beforeAll(() => {
    provider = claudeProvider({});
  });

  afterAll(async () => {
    await provider.close();
  });

  it('reads a 200 answer, asked for as JSON with the key and the version', async () => {
    upstream.enqueue({ type: 'message', content: [{ type: 'text', text: 'Paris.' }] });
    const result = await generate();
    expect(result.choices[0]?.message.content).toBe('Paris.');
    const sent = upstream.requests.at(-1);
    expect(sent?.pathname).toBe('/v1/messages');
    expect(sent?.body?.['stream']).toBeUndefined();
    expect(sent?.headers).toMatchObject({ accept: 'application/json', 'content-type': 'application/json', 'x-api-key': KEY, 'anthropic-version': '2023-06-01' });
  });

  it("throws a non-2xx answer as Anthropic's typed error: status, type and message with the request id", async () => {
    upstream.enqueue({ type: 'error', error: 'overloaded_error', message: 'Overloaded, try later' });
    const failure = generate();
    await expect(failure).rejects.toMatchObject({ kind: 'upstream_http', status: 529, upstreamType: 'overloaded_error' });
    const requestId = upstream.requests.at(-1)?.requestId ?? 'none';
    await expect(failure).rejects.toThrow(`Overloaded, try later (request_id ${requestId})`);
  });

  it('sends nothing when the call was cancelled before it started', async () => {
    const before = upstream.requests.length;
    const cancellation = new CancellationSource();
    cancellation.abort();
    await expect(generate(cancellation)).rejects.toMatchObject({ kind: 'aborted' });
    // Give a request that went out anyway the time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(upstream.requests).toHaveLength(before);
  });

  it('aborts the upstream request when cancelled while it runs', async () => {
    const before = upstream.requests.length;
    upstream.enqueue({ type: 'message', delayMs: 5_000 });
    const cancellation = new CancellationSource();
    const pending = generate(cancellation);
    await expect.poll(() => upstream.requests.length).toBe(before + 1);
    cancellation.abort();
    await expect(pending).rejects.toMatchObject({ kind: 'aborted' });
    expect(await upstream.requests.at(-1)?.closed).toBe('aborted');
  });
});

describe('AnthropicChatModel.doStream, an upstream that answers in one piece', () => {
  afterEach(closeLocalUpstreams);

  it('replays a Messages JSON answer as stream parts, its usage too', async () => {
    const local = await localUpstream((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'text', text: 'Paris.' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 5, output_tokens: 2 } }));
    });
    const claude = claudeProvider({}, local.url);
    try {
      const cancellation = Cancellation.NEVER;
      const stream = await claude.languageModel(spec).doStream(createChatRequest('haiku', 'hi'), { cancellation, signal: cancellation.signal });
      expect(answerOf(await partsOf(stream.parts))).toEqual({ text: 'Paris.', finish: 'stop', usage: { inputTokens: 5, outputTokens: 2 } });
    } finally {
      await claude.close();
    }
  });
});
