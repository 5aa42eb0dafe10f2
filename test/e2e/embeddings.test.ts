import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { Trace } from '../../src/spec/trace.js';
import { fakeGeminiEmbedding, startFakeGeminiUpstream, type FakeGeminiUpstream } from '../support/fake-gemini-upstream.js';
import { startFakeUpstream, wordVector, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * `POST /v1/embeddings` end to end, with the real `openai` client: one embedding model deployed at
 * two providers (`emb-east`, `emb-west`: the same wire model on two fake upstreams), one of other
 * dimensions (`emb-wide`), and a chat model. The fakes embed a text as 64 word counts.
 */

let east: FakeUpstream;
let west: FakeUpstream;
let running: TestGateway;
let client: OpenAI;

const yaml = (eastUrl: string, westUrl: string, storage = ''): string => `
${storage}
providers:
  east: { type: openai, base_url: "${eastUrl}", api_key: "sk-east-secret-123456", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
  west: { type: openai, base_url: "${westUrl}", api_key: "sk-west-secret-123456", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
models:
  emb-east: { provider: east, model: text-embedding-3-small, price: { input: 0.02 }, embedding: { dimensions: 64 }, context_window: 100 }
  emb-west: { provider: west, model: text-embedding-3-small, price: { input: 0.02 }, embedding: { dimensions: 64 } }
  emb-wide: { provider: west, model: wide-embedding, price: { input: 0.13 }, embedding: { dimensions: 128 } }
  chat:     { provider: east, model: chat-wire, price: { input: 1, output: 2 } }
routers:
  embed:    { default: { fallback: [emb-east, emb-west] } }
  balanced: { default: { loadbalance: [emb-east, emb-west] } }
  mixed:    { default: { fallback: [emb-east, emb-wide, emb-west] } }
  talk:     { default: { fallback: [emb-east, chat] } }
  raced:    { default: { parallel: { models: [emb-east, emb-west] } } }
  guarded:
    routes:
      secrets: { when: { keywords: [password] }, block: "No secrets here." }
    default: emb-east
`;

beforeAll(async () => {
  east = await startFakeUpstream();
  west = await startFakeUpstream();
  running = await startGateway(yaml(east.url, west.url));
  client = new OpenAI({ baseURL: running.baseURL, apiKey: 'x', maxRetries: 0 });
});

afterAll(async () => {
  await running.close();
  await east.close();
  await west.close();
});

beforeEach(() => {
  east.requests.length = 0;
  west.requests.length = 0;
});

const trace = (response: { headers: Headers }): Trace => running.gateway.traces.get(response.headers.get('x-switchyard-trace-id') as string) as Trace;

/** What the tests read of an answer: its vectors, or its error. */
type Answer = { data: Array<{ embedding: string | number[] }>; error: { message: string; type: string } };

/** POSTs a raw body to /v1/embeddings: the status and the parsed answer. */
async function post(body: unknown): Promise<{ status: number; json: Answer; headers: Headers }> {
  const response = await fetch(`${running.baseURL}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Answer, headers: response.headers };
}

describe('POST /v1/embeddings with the openai client', () => {
  it('embeds a string (base64, the client default) with usage, cost and a trace', async () => {
    const { data, response } = await client.embeddings.create({ model: 'emb-east', input: 'the quick brown fox' }).withResponse();
    // The client asked for base64 and decoded it: the upstream's floats, exactly.
    expect(data.data).toHaveLength(1);
    expect(Array.from(data.data[0]?.embedding ?? [])).toEqual(wordVector('the quick brown fox'));
    expect(data).toMatchObject({ object: 'list', model: 'emb-east', usage: { prompt_tokens: 4, total_tokens: 4 } });
    // Upstream: floats asked for, the input as a list.
    expect(east.requests[0]?.body).toMatchObject({ model: 'text-embedding-3-small', input: ['the quick brown fox'], encoding_format: 'float' });
    expect(response.headers.get('x-switchyard-model')).toBe('emb-east');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(response.headers.get('x-switchyard-cost-usd')).toBe('0.00000008');
    const recorded = trace(response);
    expect(recorded).toMatchObject({ status: 'ok', model: 'emb-east', stream: false, usage: { inputTokens: 4, outputTokens: 0, estimated: false } });
    expect(recorded.costUsd).toBeCloseTo(4 * 0.02e-6, 15);
    // Prompts are not stored by default; a preview and a hash are.
    expect(recorded.prompt.messages).toBeUndefined();
    expect(recorded.prompt.preview).toBe('the quick brown fox');
  });

  it('answers base64 of little-endian float32s when the body asks for it', async () => {
    const { status, json } = await post({ model: 'emb-east', input: 'one two', encoding_format: 'base64' });
    expect(status).toBe(200);
    const bytes = Buffer.from(json.data[0]?.embedding as string, 'base64');
    const floats = Array.from({ length: bytes.length / 4 }, (_, index) => bytes.readFloatLE(index * 4));
    expect(floats).toEqual(wordVector('one two'));
  });

  it('embeds a batch of 100 (floats) in order, the usage summed, the trace in /v1/traces', async () => {
    const inputs = Array.from({ length: 100 }, (_, index) => `item ${index} word${index % 7}`);
    const { data, response } = await client.embeddings.create({ model: 'emb-east', input: inputs, encoding_format: 'float' }).withResponse();
    expect(data.data.map((item) => item.index)).toEqual(inputs.map((_, index) => index));
    data.data.forEach((item, index) => expect(item.embedding).toEqual(wordVector(inputs[index] as string)));
    // The fake counts words: 3 per input.
    expect(data.usage).toEqual({ prompt_tokens: 300, total_tokens: 300 });
    expect(east.requests).toHaveLength(1);
    const id = response.headers.get('x-switchyard-trace-id') as string;
    const stored = await vi.waitFor(async () => {
      const answer = await fetch(`${running.baseURL}/traces/${id}`);
      if (answer.status !== 200) throw new Error(`trace ${id} is not stored yet`);
      return (await answer.json()) as Trace;
    });
    expect(stored).toMatchObject({ id, model: 'emb-east', status: 'ok', usage: { inputTokens: 300, outputTokens: 0 } });
    expect(stored.costUsd).toBeCloseTo(300 * 0.02e-6, 15);
    const listed = (await (await fetch(`${running.baseURL}/traces?model=emb-east`)).json()) as { data: Trace[] };
    expect(listed.data.map((item) => item.id)).toContain(id);
  });

  it('serves a batch longer in total than the context window, which bounds each input', async () => {
    // 400 inputs of 7 words: at least 120 tokens together by their bytes alone, 2,800 by the fake's count.
    const inputs = Array.from({ length: 400 }, (_, index) => `alpha beta gamma delta epsilon zeta ${index}`);
    const { data, response } = await client.embeddings.create({ model: 'emb-east', input: inputs }).withResponse();
    expect(data.data).toHaveLength(400);
    expect(data.usage.prompt_tokens).toBe(2800);
    const { decision } = trace(response);
    expect(decision.filtered).toEqual([]);
    // Not measured against the window either.
    expect(decision.promptTokens).toBeUndefined();
  });

  it('counts the tokens itself when the upstream reports no usage, and says so', async () => {
    east.enqueue({ type: 'embedding', usage: null });
    const { data, response } = await client.embeddings.create({ model: 'emb-east', input: ['hello world', 'again'] }).withResponse();
    expect(data.usage.prompt_tokens).toBe(3);
    expect(response.headers.get('x-switchyard-usage-estimated')).toBe('true');
    expect(trace(response).usage).toMatchObject({ inputTokens: 3, estimated: true });
    expect(trace(response).costUsd).toBeCloseTo(3 * 0.02e-6, 15);
  });

  it('passes token ids, `dimensions` and `user` through to an OpenAI target', async () => {
    east.enqueue({ type: 'embedding', vectors: [Array(16).fill(0.5), Array(16).fill(0.25)], usage: null });
    const created = await client.embeddings.create({ model: 'emb-east', input: [[1, 2, 3], [4, 5]], dimensions: 16, user: 'user-7', encoding_format: 'float' });
    expect(east.requests[0]?.body).toMatchObject({ input: [[1, 2, 3], [4, 5]], dimensions: 16, user: 'user-7' });
    expect(created.data[1]?.embedding).toEqual(Array(16).fill(0.25));
    // No usage from the upstream: the gateway counts the token ids it was given.
    expect(created.usage.prompt_tokens).toBe(5);
  });
});

describe('deployments: failover, load balancing, dimensions', () => {
  it('fails over to the second deployment when the first is down', async () => {
    east.enqueue({ type: 'drop' });
    const { data, response } = await client.embeddings.create({ model: 'embed', input: 'fail me over' }).withResponse();
    expect(Array.from(data.data[0]?.embedding ?? [])).toEqual(wordVector('fail me over'));
    expect(response.headers.get('x-switchyard-model')).toBe('emb-west');
    expect(response.headers.get('x-switchyard-router')).toBe('embed');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    const recorded = trace(response);
    expect(recorded.attempts.map((attempt) => [attempt.model, attempt.outcome])).toEqual([
      ['emb-east', 'error'],
      ['emb-west', 'ok'],
    ]);
    expect(recorded.decision.policy).toBe('fallback');
    expect(west.requests).toHaveLength(1);
  });

  it('fails over when an answer has vectors of another length than the model promised', async () => {
    east.enqueue({ type: 'embedding', vectors: [Array(32).fill(1)] });
    const { response } = await client.embeddings.create({ model: 'embed', input: 'short vectors' }).withResponse();
    expect(response.headers.get('x-switchyard-model')).toBe('emb-west');
    const [first] = trace(response).attempts;
    expect(first?.error).toMatchObject({
      kind: 'upstream_protocol',
      message: 'upstream embeddings answer has vectors of 32 dimensions, not 64; if that is the model\'s length, set `embedding: { dimensions: 32 }` on "emb-east"',
    });
  });

  it('spreads requests over both deployments with `loadbalance`', async () => {
    for (let index = 0; index < 24; index++) await client.embeddings.create({ model: 'balanced', input: `text ${index}` });
    expect(east.requests.length + west.requests.length).toBe(24);
    expect(east.requests.length).toBeGreaterThan(0);
    expect(west.requests.length).toBeGreaterThan(0);
  });

  it('filters a fallback of other dimensions, with the reason, and fails over to one of the same', async () => {
    east.enqueue({ type: 'error', status: 503 });
    const { response } = await client.embeddings.create({ model: 'mixed', input: 'same length please' }).withResponse();
    expect(response.headers.get('x-switchyard-model')).toBe('emb-west');
    const { decision } = trace(response);
    expect(decision.candidates.map((candidate) => candidate.model)).toEqual(['emb-east', 'emb-west']);
    expect(decision.filtered).toEqual([
      {
        model: 'emb-wide',
        reason: 'capability',
        detail: '"emb-wide" makes vectors of 128 dimensions and "emb-east", tried before it, of 64: every model that may answer must make vectors of one length',
      },
    ]);
    expect(west.requestsFor('wide-embedding')).toHaveLength(0);
  });

  it('keeps a model of more dimensions when the request asks for fewer', async () => {
    west.enqueue({ type: 'embedding', vectors: [Array(100).fill(1)] });
    const { status, json, headers } = await post({ model: 'mixed', input: 'shorter', dimensions: 100, encoding_format: 'float' });
    expect(status).toBe(200);
    expect(headers.get('x-switchyard-model')).toBe('emb-wide');
    expect(json.data[0]?.embedding).toHaveLength(100);
    expect(west.requests[0]?.body).toMatchObject({ model: 'wide-embedding', dimensions: 100 });
    expect(east.requests).toHaveLength(0);
  });
});

describe('bad input', () => {
  const cases: Array<[string, unknown, number, RegExp]> = [
    ['no input', { model: 'emb-east' }, 400, /^Invalid request: input: expected a string, an array of strings, an array of token ids, or an array of arrays of token ids; found nothing$/],
    ['an empty array', { model: 'emb-east', input: [] }, 400, /^Invalid request: input: expected at least one input/],
    ['an empty string', { model: 'emb-east', input: ['a', ''] }, 400, /^Invalid request: input\[1\]: expected a non-empty string$/],
    ['mixed strings and numbers', { model: 'emb-east', input: ['a', 5] }, 400, /^Invalid request: input\[1\]: expected a string like input\[0\]; found number 5$/],
    ['a negative token id', { model: 'emb-east', input: [[1, -2]] }, 400, /^Invalid request: input\[0\]\[1\]: expected a token id \(an integer >= 0\); found number -2$/],
    ['2049 inputs', { model: 'emb-east', input: Array(2049).fill('x') }, 400, /^Invalid request: input: at most 2048 inputs per request, found 2049$/],
    ['a bad encoding_format', { model: 'emb-east', input: 'x', encoding_format: 'hex' }, 400, /^Invalid request: encoding_format: expected one of "float", "base64", found "hex"$/],
    ['zero dimensions', { model: 'emb-east', input: 'x', dimensions: 0 }, 400, /^Invalid request: dimensions: expected a positive integer/],
    ['no model', { input: 'x' }, 400, /^Invalid request: model: missing: expected a string$/],
    ['an empty model', { model: '', input: 'x' }, 400, /^Invalid request: model: expected a model or router name, not an empty string, found ""$/],
    ['an unknown model', { model: 'nope', input: 'x' }, 404, /^The model "nope" does not exist/],
    ['a chat model', { model: 'chat', input: 'x' }, 400, /"chat" is a chat model, not an embedding model/],
    ['more dimensions than any model makes', { model: 'embed', input: 'x', dimensions: 65 }, 400, /"emb-east" makes vectors of 64 dimensions, fewer than the 65 asked for/],
  ];

  it.each(cases)('%s: a precise error in OpenAI’s shape', async (_name, body, status, message) => {
    const answer = await post(body);
    expect(answer.status).toBe(status);
    expect(answer.json.error.message).toMatch(message);
    expect(answer.json.error.type).toBe('invalid_request_error');
    expect(east.requests).toHaveLength(0);
  });

  it('the openai client gets a BadRequestError naming the chat model', async () => {
    const error = await client.embeddings.create({ model: 'chat', input: 'x' }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toMatch(/No model of model "chat" can take this request\. chat: "chat" is a chat model, not an embedding model/);
  });

  it('a route that blocks answers 400 request_blocked, traced as blocked', async () => {
    const answer = await post({ model: 'guarded', input: ['hello', 'my password is hunter2'] });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatchObject({ code: 'request_blocked', message: 'The route "secrets" of router "guarded" blocks this request: No secrets here.' });
    expect(trace(answer).status).toBe('blocked');
    expect(east.requests).toHaveLength(0);
    expect((await post({ model: 'guarded', input: 'hello' })).status).toBe(200);
  });

  it('a policy that cannot serve embeddings (parallel) is named in a 400', async () => {
    const answer = await post({ model: 'raced', input: 'x' });
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toBe('The route "default" of router "raced" uses the `parallel` policy, which cannot serve embeddings: use a model, `fallback` or `loadbalance`.');
    expect(east.requests.length + west.requests.length).toBe(0);
  });

  it('keeps serving after bad input', async () => {
    for (const body of [{}, { model: 'emb-east', input: {} }, { model: 'emb-east', input: [[]] }]) expect((await post(body)).status).toBe(400);
    const raw = await fetch(`${running.baseURL}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": "emb-east", "input": [' });
    expect(raw.status).toBe(400);
    const created = await client.embeddings.create({ model: 'emb-east', input: 'still here' });
    expect(Array.from(created.data[0]?.embedding ?? [])).toEqual(wordVector('still here'));
  });
});

describe('embedding models and chat', () => {
  it('chat routing never picks an embedding model', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'talk', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.headers.get('x-switchyard-model')).toBe('chat');
    expect(data.choices[0]?.message.content).toBe('Reply from chat-wire.');
    expect(trace(response).decision.filtered).toEqual([{ model: 'emb-east', reason: 'capability', detail: '"emb-east" is an embedding model (POST /v1/embeddings), not a chat model' }]);
    const error = await client.chat.completions.create({ model: 'emb-east', messages: [{ role: 'user', content: 'hi' }] }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(east.requestsFor('text-embedding-3-small')).toHaveLength(0);
  });

  it('refuses to start with a configured embedding model whose provider has no embeddings endpoint', async () => {
    const config = parseConfig(
      `
providers:
  claude: { type: anthropic, base_url: "http://127.0.0.1:9", api_key: "sk-ant-secret-123456" }
models:
  emb: { provider: claude, model: not-an-embedder, price: { input: 1 }, embedding: { dimensions: 8 } }
`,
      'test.yaml',
      { env: {} },
    );
    await expect(Gateway.create(config)).rejects.toThrow('model "emb" is an embedding model, and its provider "claude" has no embeddings endpoint');
  });

  it('/v1/models lists the embedding models', async () => {
    const ids = (await client.models.list()).data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(['embed', 'emb-east', 'emb-west', 'emb-wide', 'chat']));
  });

  it('stores the inputs with storage.store_prompts, and counts the request in /metrics', async () => {
    const storing = await startGateway(yaml(east.url, west.url, 'storage: { store_prompts: true }'));
    try {
      const response = await fetch(`${storing.baseURL}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'emb-east', input: ['first', 'second'] }) });
      expect(response.status).toBe(200);
      const recorded = storing.gateway.traces.get(response.headers.get('x-switchyard-trace-id') as string) as Trace;
      expect(recorded.prompt.messages).toEqual([{ role: 'user', content: 'first\nsecond' }]);
      const metrics = await (await fetch(`${storing.url}/metrics`)).text();
      expect(metrics).toMatch(/switchyard_requests_total\{router="none",route="none",model="emb-east",status="ok"\} 1/);
    } finally {
      await storing.close();
    }
  });
});

describe("Gemini's embeddings wire format", () => {
  const KEY = 'AIzaSyFake-Gemini-Key_0123456789abcdef';
  let gemini: FakeGeminiUpstream;
  let served: TestGateway;
  let geminiClient: OpenAI;

  beforeAll(async () => {
    gemini = await startFakeGeminiUpstream({ apiKey: KEY, embeddingDimensions: 3072 });
    served = await startGateway(`
providers:
  google: { type: gemini, base_url: "${gemini.url}/v1beta", api_key: "${KEY}", retry: { max_attempts: 1 } }
`);
    geminiClient = new OpenAI({ baseURL: served.baseURL, apiKey: 'x', maxRetries: 0 });
  });

  afterAll(async () => {
    await served.close();
    await gemini.close();
  });

  it('serves the catalog’s gemini-embedding-001 through batchEmbedContents, the usage counted', async () => {
    const { data, response } = await geminiClient.embeddings.create({ model: 'gemini-embedding-001', input: ['alpha', 'beta'] }).withResponse();
    expect(gemini.requests.at(-1)?.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    // The client decoded the float32s the edge packed.
    expect(Array.from(data.data[1]?.embedding ?? [])).toEqual(Array.from(Float32Array.from(fakeGeminiEmbedding('beta', 3072))));
    expect(response.headers.get('x-switchyard-usage-estimated')).toBe('true');
    const recorded = served.gateway.traces.get(response.headers.get('x-switchyard-trace-id') as string) as Trace;
    expect(recorded.usage).toMatchObject({ inputTokens: 2, estimated: true });
    expect(recorded.costUsd).toBeCloseTo(2 * 0.15e-6, 15);
  });

  it('asks for shorter vectors as outputDimensionality', async () => {
    const created = await geminiClient.embeddings.create({ model: 'gemini-embedding-001', input: 'gamma', dimensions: 256, encoding_format: 'float' });
    expect(gemini.requests.at(-1)?.body?.['requests']).toEqual([{ model: 'models/gemini-embedding-001', content: { parts: [{ text: 'gamma' }] }, outputDimensionality: 256 }]);
    expect(created.data[0]?.embedding).toHaveLength(256);
  });

  it('rejects token ids precisely: the wire format cannot carry them', async () => {
    const error = await geminiClient.embeddings.create({ model: 'gemini-embedding-001', input: [1, 2, 3] }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toBe(
      '400 No model of model "gemini-embedding-001" can take this request. gemini-embedding-001: the input is token ids, which the wire format of "gemini-embedding-001" (provider "google") cannot carry; send text.',
    );
  });
});
