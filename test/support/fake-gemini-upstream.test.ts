import { ApiError, FinishReason, GoogleGenAI, Type, type Content, type GenerateContentResponse } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeGeminiEmbedding, startFakeGeminiUpstream, type FakeGeminiUpstream } from './fake-gemini-upstream.js';

// The fake is only worth what its fidelity is: these tests read its answers with the official
// SDK's client (which parses JSON, SSE `data:` chunks, and errors by status and body), so a wrong
// field name or shape in the fake fails here.

const KEY = 'gemini-test-key';
const MODEL = 'gemini-2.5-flash';
let fake: FakeGeminiUpstream;
let signing: FakeGeminiUpstream;
let client: GoogleGenAI;

// `retryOptions` unset means one attempt; `attempts: 1` says so explicitly.
const clientOf = (url: string, apiKey = KEY, timeout?: number): GoogleGenAI =>
  new GoogleGenAI({ apiKey, httpOptions: { baseUrl: url, retryOptions: { attempts: 1 }, ...(timeout === undefined ? {} : { timeout }) } });

beforeAll(async () => {
  fake = await startFakeGeminiUpstream({ apiKey: KEY, embeddingDimensions: 8 });
  signing = await startFakeGeminiUpstream({ apiKey: KEY, requireThoughtSignatures: true });
  client = clientOf(fake.url);
});
afterAll(async () => {
  await fake.close();
  await signing.close();
});
beforeEach(() => {
  fake.respond({ type: 'content' });
  fake.requests.length = 0;
});

const weatherTool = {
  functionDeclarations: [
    { name: 'get_weather', description: 'Current weather for a city', parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ['city'] } },
  ],
};

/** The ApiError a call rejects with. */
async function apiErrorOf(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('fake Gemini upstream, read by @google/genai', () => {
  it('answers generateContent and records the path, the key header and the body', async () => {
    const response = await client.models.generateContent({ model: MODEL, contents: 'Hello', config: { systemInstruction: 'Be brief.', temperature: 0.2 } });

    expect(response.text).toBe(`Reply from ${MODEL}.`);
    expect(response.candidates?.[0]).toMatchObject({ content: { role: 'model' }, finishReason: FinishReason.STOP, index: 0 });
    expect(response.modelVersion).toBe(MODEL);
    expect(response.responseId).toBe(fake.requests[0]?.responseId);
    const usage = response.usageMetadata;
    expect(usage?.promptTokenCount).toBeGreaterThan(0);
    expect(usage?.candidatesTokenCount).toBeGreaterThan(0);
    expect(usage?.totalTokenCount).toBe((usage?.promptTokenCount ?? 0) + (usage?.candidatesTokenCount ?? 0));
    // Absent, not 0, when nothing was cached or thought.
    expect(usage?.cachedContentTokenCount).toBeUndefined();
    expect(usage?.thoughtsTokenCount).toBeUndefined();

    const [recorded] = fake.requests;
    expect(recorded).toMatchObject({ method: 'POST', pathname: `/v1beta/models/${MODEL}:generateContent`, model: MODEL, geminiMethod: 'generateContent' });
    expect(recorded?.headers['x-goog-api-key']).toBe(KEY);
    expect(recorded?.body).toMatchObject({
      contents: [{ role: 'user', parts: [{ text: 'Hello' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { temperature: 0.2 },
    });
    expect(fake.requestsFor(MODEL)).toHaveLength(1);
  });

  it('streams SSE chunks with running usage totals, the last one carrying the finish reason', async () => {
    fake.respond({ type: 'content', parts: [{ text: 'Let me think about it.', thought: true }, { text: 'Seventeen elephants and a cat.' }] });
    const chunks: GenerateContentResponse[] = [];
    for await (const chunk of await client.models.generateContentStream({ model: MODEL, contents: 'Count', config: { thinkingConfig: { includeThoughts: true } } })) chunks.push(chunk);

    expect(fake.requests[0]?.path).toBe(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`);
    expect(chunks.length).toBeGreaterThan(3);
    const parts = chunks.flatMap((chunk) => chunk.candidates?.[0]?.content?.parts ?? []);
    expect(parts.filter((part) => part.thought).map((part) => part.text).join('')).toBe('Let me think about it.');
    expect(chunks.map((chunk) => chunk.text ?? '').join('')).toBe('Seventeen elephants and a cat.');
    expect(chunks.slice(0, -1).every((chunk) => chunk.candidates?.[0]?.finishReason === undefined)).toBe(true);
    const last = chunks.at(-1);
    expect(last?.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    // Running totals: never decreasing, the last one is the request's usage (take it, never sum).
    const ascending = (counts: number[]): number[] => [...counts].sort((a, b) => a - b);
    const totals = chunks.map((chunk) => chunk.usageMetadata?.totalTokenCount ?? 0);
    expect(totals).toEqual(ascending(totals));
    const candidates = chunks.map((chunk) => chunk.usageMetadata?.candidatesTokenCount ?? 0);
    expect(candidates).toEqual(ascending(candidates));
    expect(last?.usageMetadata).toMatchObject({
      promptTokenCount: fake.requests[0]?.usage?.promptTokenCount,
      candidatesTokenCount: fake.requests[0]?.usage?.candidatesTokenCount,
      thoughtsTokenCount: fake.requests[0]?.usage?.thoughtsTokenCount,
    });
    expect(fake.requests[0]?.chunksWritten).toBe(chunks.length);
  });

  it('answers a function call without an id, and records the function response of the next turn', async () => {
    fake.enqueue({ type: 'content', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] });
    const first = await client.models.generateContent({ model: MODEL, contents: 'Weather in Paris?', config: { tools: [weatherTool] } });
    expect(first.functionCalls).toEqual([{ name: 'get_weather', args: { city: 'Paris' } }]);
    expect(first.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);

    const history: Content[] = [
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      first.candidates?.[0]?.content ?? {},
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: 'Sunny' } } }] },
    ];
    const second = await client.models.generateContent({ model: MODEL, contents: history, config: { tools: [weatherTool] } });
    expect(second.text).toBe(`Reply from ${MODEL}.`);
    expect(fake.requests[0]?.body?.['tools']).toEqual([weatherTool]);
    expect(fake.requests[1]?.body?.['contents']).toMatchObject([{}, { role: 'model', parts: [{ functionCall: { name: 'get_weather' } }] }, { parts: [{ functionResponse: { response: { output: 'Sunny' } } }] }]);
  });

  it('issues thought signatures and refuses a history whose function call lost its signature', async () => {
    const gemini3 = clientOf(signing.url);
    signing.enqueue({ type: 'content', parts: [{ text: 'Need the weather.', thought: true }, { functionCall: { name: 'get_weather', args: { city: 'Oslo' } } }] });
    const first = await gemini3.models.generateContent({ model: 'gemini-3-pro-preview', contents: 'Weather in Oslo?', config: { tools: [weatherTool] } });
    const modelTurn = first.candidates?.[0]?.content ?? {};
    const callPart = modelTurn.parts?.find((part) => part.functionCall);
    expect(callPart?.thoughtSignature).toBe(signing.issuedSignatures[0]);
    expect(first.usageMetadata?.thoughtsTokenCount).toBeGreaterThan(0);

    const reply: Content = { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: 'Snow' } } }] };
    const kept = await gemini3.models.generateContent({ model: 'gemini-3-pro-preview', contents: [{ role: 'user', parts: [{ text: 'Weather in Oslo?' }] }, modelTurn, reply] });
    expect(kept.text).toBe('Reply from gemini-3-pro-preview.');

    const stripped: Content = { role: 'model', parts: (modelTurn.parts ?? []).map(({ thoughtSignature: _dropped, ...part }) => part) };
    const error = await apiErrorOf(gemini3.models.generateContent({ model: 'gemini-3-pro-preview', contents: [{ role: 'user', parts: [{ text: 'Weather in Oslo?' }] }, stripped, reply] }));
    expect(error.status).toBe(400);
    expect(JSON.parse(error.message)).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining('thought_signature') } });
  });

  it('records structured output settings: responseMimeType with responseSchema or responseJsonSchema', async () => {
    fake.respond({ type: 'content', parts: [{ text: '{"city":"Rome"}' }] });
    const schema = { type: Type.OBJECT, properties: { city: { type: Type.STRING } } };
    const typed = await client.models.generateContent({ model: MODEL, contents: 'City?', config: { responseMimeType: 'application/json', responseSchema: schema } });
    const jsonSchema = { type: 'object', properties: { city: { type: 'string' } }, additionalProperties: false };
    await client.models.generateContent({ model: MODEL, contents: 'City?', config: { responseMimeType: 'application/json', responseJsonSchema: jsonSchema } });

    expect(JSON.parse(typed.text ?? '')).toEqual({ city: 'Rome' });
    expect(fake.requests[0]?.body?.['generationConfig']).toEqual({ responseMimeType: 'application/json', responseSchema: schema });
    expect(fake.requests[1]?.body?.['generationConfig']).toEqual({ responseMimeType: 'application/json', responseJsonSchema: jsonSchema });
  });

  it('reports scripted usage: cached and thought tokens, thoughts outside candidatesTokenCount', async () => {
    fake.respond({ type: 'content', usage: { promptTokenCount: 1000, cachedContentTokenCount: 800, candidatesTokenCount: 20, thoughtsTokenCount: 50 } });
    const response = await client.models.generateContent({ model: MODEL, contents: 'Hi' });
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: 1000, cachedContentTokenCount: 800, candidatesTokenCount: 20, thoughtsTokenCount: 50, totalTokenCount: 1070 });
    expect(response.usageMetadata?.cacheTokensDetails).toEqual([{ modality: 'TEXT', tokenCount: 800 }]);

    // Streamed, the last chunk carries the scripted figures.
    let last: GenerateContentResponse | undefined;
    for await (const chunk of await client.models.generateContentStream({ model: MODEL, contents: 'Hi' })) last = chunk;
    expect(last?.usageMetadata).toMatchObject({ promptTokenCount: 1000, cachedContentTokenCount: 800, candidatesTokenCount: 20, thoughtsTokenCount: 50, totalTokenCount: 1070 });
  });

  it('reports finish reasons, safety ratings and a blocked prompt', async () => {
    fake.enqueue(
      { type: 'content', parts: [{ text: 'Cut' }], finishReason: 'MAX_TOKENS' },
      { type: 'content', parts: [], finishReason: 'SAFETY', safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }] },
      { type: 'content', blockReason: 'SAFETY' },
    );
    const truncated = await client.models.generateContent({ model: MODEL, contents: 'Long story' });
    const unsafe = await client.models.generateContent({ model: MODEL, contents: 'Bad' });
    const blocked = await client.models.generateContent({ model: MODEL, contents: 'Worse' });

    expect(truncated.candidates?.[0]?.finishReason).toBe(FinishReason.MAX_TOKENS);
    expect(unsafe.candidates?.[0]).toMatchObject({ finishReason: FinishReason.SAFETY, safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }] });
    expect(blocked.candidates).toBeUndefined();
    expect(blocked.promptFeedback?.blockReason).toBe('SAFETY');
    expect(blocked.text).toBeUndefined();
  });

  it('counts tokens', async () => {
    const counted = await client.models.countTokens({ model: MODEL, contents: 'How many tokens is this?' });
    expect(fake.requests[0]?.pathname).toBe(`/v1beta/models/${MODEL}:countTokens`);
    const generated = await client.models.generateContent({ model: MODEL, contents: 'How many tokens is this?' });
    expect(counted.totalTokens).toBe(generated.usageMetadata?.promptTokenCount);
  });

  it('embeds one text and several with deterministic vectors of the fixed dimension (SDK: batchEmbedContents)', async () => {
    const one = await client.models.embedContent({ model: 'gemini-embedding-001', contents: 'alpha' });
    const many = await client.models.embedContent({ model: 'gemini-embedding-001', contents: ['alpha', 'beta'], config: { outputDimensionality: 4, taskType: 'RETRIEVAL_DOCUMENT' } });

    expect(one.embeddings?.[0]?.values).toEqual(fakeGeminiEmbedding('alpha', 8));
    expect(many.embeddings?.map((embedding) => embedding.values)).toEqual([fakeGeminiEmbedding('alpha', 4), fakeGeminiEmbedding('beta', 4)]);
    expect(fake.requests[1]?.pathname).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(fake.requests[1]?.body?.['requests']).toMatchObject([
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'alpha' }] }, outputDimensionality: 4, taskType: 'RETRIEVAL_DOCUMENT' },
      { content: { parts: [{ text: 'beta' }] } },
    ]);
  });

  it('answers the single :embedContent method (which the SDK no longer calls) with `embedding.values`', async () => {
    const response = await fetch(`${fake.url}/v1beta/models/gemini-embedding-001:embedContent?key=${KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: { parts: [{ text: 'alpha' }] } }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ embedding: { values: fakeGeminiEmbedding('alpha', 8) } });
  });

  it('lists models in pages', async () => {
    const pager = await client.models.list({ config: { pageSize: 3 } });
    const names: string[] = [];
    for await (const model of pager) names.push(model.name ?? '');
    expect(names).toEqual(['models/gemini-3-pro-preview', 'models/gemini-2.5-flash', 'models/gemini-2.5-flash-lite', 'models/gemini-embedding-001']);
    expect(fake.requests.map((request) => request.path)).toEqual(['/v1beta/models?pageSize=3', '/v1beta/models?pageSize=3&pageToken=3']);
    const model = await client.models.get({ model: MODEL });
    expect(model).toMatchObject({ name: `models/${MODEL}`, inputTokenLimit: 1_048_576, outputTokenLimit: 65_536, supportedActions: expect.arrayContaining(['generateContent']) });
  });
});

describe('fake Gemini upstream faults, as @google/genai surfaces them', () => {
  it('refuses a missing key with 403 PERMISSION_DENIED and a wrong one with 400 API_KEY_INVALID', async () => {
    const noKey = await fetch(`${fake.url}/v1beta/models/${MODEL}:generateContent`, { method: 'POST', body: JSON.stringify({ contents: [] }) });
    expect(noKey.status).toBe(403);
    expect(await noKey.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });

    const wrong = await apiErrorOf(clientOf(fake.url, 'wrong-key').models.generateContent({ model: MODEL, contents: 'Hi' }));
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.message)).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', message: 'API key not valid. Please pass a valid API key.', details: [{ reason: 'API_KEY_INVALID' }] } });
  });

  it('refuses a body that is not JSON or lacks the field the method needs, with 400 INVALID_ARGUMENT', async () => {
    const post = (method: string, body: string): Promise<Response> =>
      fetch(`${fake.url}/v1beta/models/${MODEL}:${method}`, { method: 'POST', headers: { 'x-goog-api-key': KEY }, body });
    const notJson = await post('generateContent', '{');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
    const noContents = await post('generateContent', '{}');
    expect(await noContents.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT', message: expect.stringContaining('GenerateContentRequest.contents') } });
    const noRequests = await post('batchEmbedContents', '{}');
    expect(await noRequests.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT', message: expect.stringContaining('BatchEmbedContentsRequest.requests') } });
  });

  it('answers 429 RESOURCE_EXHAUSTED with retry-after and a RetryInfo detail', async () => {
    fake.respond({ type: 'error', status: 'RESOURCE_EXHAUSTED', retryAfterSeconds: 7 });
    const raw = await fetch(`${fake.url}/v1beta/models/${MODEL}:generateContent`, { method: 'POST', headers: { 'x-goog-api-key': KEY }, body: JSON.stringify({ contents: [] }) });
    expect(raw.headers.get('retry-after')).toBe('7');

    const error = await apiErrorOf(client.models.generateContent({ model: MODEL, contents: 'Hi' }));
    expect(error.status).toBe(429);
    const body = JSON.parse(error.message) as { error: { code: number; status: string; details: Array<Record<string, unknown>> } };
    expect(body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(body.error.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' });
    expect(fake.requests).toHaveLength(2);
  });

  it.each([
    ['INTERNAL', 500],
    ['UNAVAILABLE', 503],
    ['INVALID_ARGUMENT', 400],
    ['PERMISSION_DENIED', 403],
  ] as const)('answers %s with HTTP %i and Google\'s error body, streamed or not', async (status, code) => {
    fake.respond({ type: 'error', status, message: `scripted ${status}` });
    const error = await apiErrorOf(client.models.generateContent({ model: MODEL, contents: 'Hi' }));
    expect(error.status).toBe(code);
    expect(JSON.parse(error.message)).toEqual({ error: { code, message: `scripted ${status}`, status } });

    const streamError = await apiErrorOf(client.models.generateContentStream({ model: MODEL, contents: 'Hi' }));
    expect(streamError.status).toBe(code);
  });

  it('surfaces an error chunk mid-stream as an ApiError after the chunks before it', async () => {
    fake.respond({ type: 'content', parts: [{ text: 'one two three four five six' }], errorAfterChunks: { after: 1, status: 'UNAVAILABLE' } });
    const texts: string[] = [];
    const stream = await client.models.generateContentStream({ model: MODEL, contents: 'Hi' });
    const error = await apiErrorOf(
      (async () => {
        for await (const chunk of stream) texts.push(chunk.text ?? '');
      })(),
    );
    expect(texts).toEqual(['one two ']);
    expect(error.status).toBe(503);
    expect(error.message).toContain('"status":"UNAVAILABLE"');
  });

  it('cuts a stream after N chunks: the SDK yields them, then fails', async () => {
    fake.respond({ type: 'content', parts: [{ text: 'one two three four five six' }], cutAfterChunks: 2 });
    const texts: string[] = [];
    const stream = await client.models.generateContentStream({ model: MODEL, contents: 'Hi' });
    await expect(
      (async () => {
        for await (const chunk of stream) texts.push(chunk.text ?? '');
      })(),
    ).rejects.toThrow('terminated');
    expect(texts).toEqual(['one two ', 'three four ']);
    expect(fake.requests[0]?.chunksWritten).toBe(2);
  });

  it('delays the first byte past the client timeout, and drops a connection', async () => {
    fake.respond({ type: 'content', delayMs: 400 });
    const impatient = clientOf(fake.url, KEY, 100);
    const started = Date.now();
    await expect(impatient.models.generateContent({ model: MODEL, contents: 'Hi' })).rejects.toThrow(/abort/i);
    expect(Date.now() - started).toBeLessThan(390);

    fake.respond({ type: 'content', firstChunkDelayMs: 200 });
    const streamStarted = Date.now();
    for await (const chunk of await client.models.generateContentStream({ model: MODEL, contents: 'Hi' })) void chunk;
    expect(Date.now() - streamStarted).toBeGreaterThanOrEqual(190);

    fake.respond({ type: 'drop' });
    await expect(client.models.generateContent({ model: MODEL, contents: 'Hi' })).rejects.toThrow(/fetch failed/);
    expect(await fake.requests.at(-1)?.closed).toBe('aborted');
  });
});
