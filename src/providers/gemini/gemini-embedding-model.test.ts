import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeGeminiEmbedding, startFakeGeminiUpstream, type FakeGeminiUpstream } from '../../../test/support/fake-gemini-upstream.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { Provider } from '../../spec/provider.js';
import { DEFAULT_RELIABILITY } from '../../spec/reliability.js';
import { Cancellation, CancellationSource } from '../../util/cancellation.js';
import { createGeminiProvider } from './gemini-provider.js';

const KEY = 'AIzaSyFake-Gemini-Key_0123456789abcdef';

const spec: ModelSpec = {
  name: 'gemini-embedding-001',
  provider: 'google',
  wireModel: 'gemini-embedding-001',
  price: { input: 0.15, cachedInput: undefined, cacheWrite: undefined, output: 0 },
  contextWindow: 2048,
  maxOutput: undefined,
  capabilities: { tools: false, jsonSchema: false, vision: false, streaming: false, reasoning: false, builtinTools: undefined },
  reliability: DEFAULT_RELIABILITY,
  origin: 'builtin',
};

let fake: FakeGeminiUpstream;
let provider: Provider;
const options = { signal: new AbortController().signal, cancellation: Cancellation.NEVER };

beforeAll(async () => {
  fake = await startFakeGeminiUpstream({ apiKey: KEY, embeddingDimensions: 3072 });
  provider = createGeminiProvider({
    type: 'gemini',
    name: 'google',
    disabled: undefined,
    reliability: { retry: {}, timeout: {}, circuitBreaker: {} },
    upstreamUrl: undefined,
    baseUrl: `${fake.url}/v1beta`,
    apiKey: KEY,
    headers: {},
    maxConnections: 4,
    maxResponseBytes: 64 * 1024 * 1024,
  });
});

afterAll(async () => {
  await provider.close();
  await fake.close();
});

describe('GeminiEmbeddingModel', () => {
  it('embeds a batch in one batchEmbedContents call, vectors in order and as sent', async () => {
    const model = provider.embeddingModel?.(spec);
    const { vectors, usage } = (await model?.doEmbed(['alpha', 'beta'], options)) ?? { vectors: [], usage: 'none' };
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(fake.requests[0]?.headers['x-goog-api-key']).toBe(KEY);
    expect(fake.requests[0]?.body).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'alpha' }] } },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'beta' }] } },
      ],
    });
    expect(vectors).toEqual([fakeGeminiEmbedding('alpha', 3072), fakeGeminiEmbedding('beta', 3072)]);
    // Gemini reports no token counts for embeddings: unknown, never 0.
    expect(usage).toBeUndefined();
  });

  it('asks for shorter vectors as outputDimensionality', async () => {
    const { vectors } = (await provider.embeddingModel?.(spec).doEmbed(['gamma'], { ...options, dimensions: 256 })) ?? { vectors: [] };
    expect(fake.requests.at(-1)?.body?.['requests']).toEqual([{ model: 'models/gemini-embedding-001', content: { parts: [{ text: 'gamma' }] }, outputDimensionality: 256 }]);
    expect(vectors[0]).toHaveLength(256);
  });

  it('throws the typed error of a failed call', async () => {
    fake.enqueue({ type: 'error', status: 'RESOURCE_EXHAUSTED', retryAfterSeconds: 7 });
    await expect(provider.embeddingModel?.(spec).doEmbed(['x'], options)).rejects.toMatchObject({ kind: 'upstream_http', status: 429, retryAfterMs: 7_000 });
  });

  it("maps the error body: Google's canonical status and message", async () => {
    fake.enqueue({ type: 'error', status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' });
    const failure = provider.embeddingModel?.(spec).doEmbed(['x'], options);
    await expect(failure).rejects.toMatchObject({ kind: 'upstream_http', status: 400, upstreamType: 'INVALID_ARGUMENT' });
    await expect(failure).rejects.toThrow('Request contains an invalid argument.');
  });

  it('aborts the upstream call when cancelled while it runs', async () => {
    const before = fake.requests.length;
    fake.enqueue({ type: 'content', delayMs: 5_000 });
    const cancellation = new CancellationSource();
    const pending = provider.embeddingModel?.(spec).doEmbed(['x'], { signal: cancellation.signal, cancellation });
    await expect.poll(() => fake.requests.length).toBe(before + 1);
    cancellation.abort();
    await expect(pending).rejects.toMatchObject({ kind: 'aborted' });
    expect(await fake.requests.at(-1)?.closed).toBe('aborted');
  });
});
