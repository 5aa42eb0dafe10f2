import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeLocalUpstreams, localUpstream } from '../../../test/support/local-upstream.js';
import { answerOf, partsOf } from '../../../test/support/stream-parts.js';
import { startFakeGeminiUpstream, type FakeGeminiUpstream } from '../../../test/support/fake-gemini-upstream.js';
import { createChatRequest } from '../../spec/create-chat-request.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { Provider } from '../../spec/provider.js';
import { DEFAULT_RELIABILITY } from '../../spec/reliability.js';
import { Cancellation, CancellationSource } from '../../util/cancellation.js';
import { createGeminiProvider } from './gemini-provider.js';

const KEY = 'AIzaSyFake-Gemini-Key_0123456789abcdef';

const spec: ModelSpec = {
  name: 'flash',
  provider: 'google',
  wireModel: 'gemini-2.5-flash',
  price: { input: 0.3, cachedInput: 0.03, cacheWrite: undefined, output: 2.5 },
  contextWindow: 1048576,
  maxOutput: 65536,
  capabilities: { tools: true, jsonSchema: true, vision: true, streaming: true, reasoning: true, builtinTools: false },
  reliability: DEFAULT_RELIABILITY,
  origin: 'config',
};

let fake: FakeGeminiUpstream;
let provider: Provider;
const options = (cancellation: Cancellation) => ({ cancellation, signal: cancellation.signal });
const generate = (cancellation: Cancellation = Cancellation.NEVER) => provider.languageModel(spec).doGenerate(createChatRequest('flash', 'hi'), options(cancellation));

/** The provider under test, on the upstream at `origin`. */
const googleProvider = (origin: string): Provider =>
  createGeminiProvider({
    type: 'gemini',
    name: 'google',
    disabled: undefined,
    reliability: { retry: {}, timeout: {}, circuitBreaker: {} },
    upstreamUrl: undefined,
    baseUrl: `${origin}/v1beta`,
    apiKey: KEY,
    headers: {},
    maxConnections: 4,
    maxResponseBytes: 1024 * 1024,
  });

beforeAll(async () => {
  fake = await startFakeGeminiUpstream({ apiKey: KEY });
  provider = googleProvider(fake.url);
});

afterAll(async () => {
  await provider.close();
  await fake.close();
});

describe('GeminiChatModel.doGenerate, a JSON answer read whole', () => {
  it('reads a 200 answer from generateContent, asked for as JSON with the key header', async () => {
    fake.enqueue({ type: 'content', parts: [{ text: 'Paris.' }] });
    const result = await generate();
    expect(result.choices[0]?.message.content).toBe('Paris.');
    expect(result.choices[0]?.finishReason).toEqual({ unified: 'stop', raw: 'STOP' });
    const sent = fake.requests.at(-1);
    expect(sent?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent?.headers).toMatchObject({ accept: 'application/json', 'content-type': 'application/json', 'x-goog-api-key': KEY });
    expect(sent?.body?.['contents']).toEqual([{ role: 'user', parts: [{ text: 'hi' }] }]);
  });

  it("throws a non-2xx answer as Gemini's typed error: status, canonical status, message and the body's retry delay", async () => {
    const retryInfo = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' };
    fake.enqueue({ type: 'error', status: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded for flash', retryAfterSeconds: null, details: [retryInfo] });
    const failure = generate();
    await expect(failure).rejects.toMatchObject({ kind: 'upstream_http', status: 429, upstreamType: 'RESOURCE_EXHAUSTED', retryAfterMs: 7_000 });
    await expect(failure).rejects.toThrow('Quota exceeded for flash');
  });

  it('sends nothing when the call was cancelled before it started', async () => {
    const before = fake.requests.length;
    const cancellation = new CancellationSource();
    cancellation.abort();
    await expect(generate(cancellation)).rejects.toMatchObject({ kind: 'aborted' });
    // Give a request that went out anyway the time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.requests).toHaveLength(before);
  });

  it('aborts the upstream request when cancelled while it runs', async () => {
    const before = fake.requests.length;
    fake.enqueue({ type: 'content', delayMs: 5_000 });
    const cancellation = new CancellationSource();
    const pending = generate(cancellation);
    await expect.poll(() => fake.requests.length).toBe(before + 1);
    cancellation.abort();
    await expect(pending).rejects.toMatchObject({ kind: 'aborted' });
    expect(await fake.requests.at(-1)?.closed).toBe('aborted');
  });
});

describe('GeminiChatModel.doStream, an upstream that answers in one piece', () => {
  afterEach(closeLocalUpstreams);

  it('replays a generateContent JSON answer as stream parts, its usage too', async () => {
    const local = await localUpstream((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 'Paris.' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2, totalTokenCount: 7 }, modelVersion: 'gemini-2.5-flash' }));
    });
    const google = googleProvider(local.url);
    try {
      const stream = await google.languageModel(spec).doStream(createChatRequest('flash', 'hi'), options(Cancellation.NEVER));
      expect(answerOf(await partsOf(stream.parts))).toEqual({ text: 'Paris.', finish: 'stop', usage: { inputTokens: 5, outputTokens: 2 } });
    } finally {
      await google.close();
    }
  });
});
