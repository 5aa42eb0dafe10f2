import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUILTIN_MODELS } from '../../src/catalog/builtin-catalog.js';
import { formatCost } from '../../src/cost/compute-cost.js';
import { capturingLogger } from '../support/capturing-logger.js';
import { defaultGeminiReply, fakeGeminiEmbedding, startFakeGeminiUpstream, type FakeGeminiUpstream } from '../support/fake-gemini-upstream.js';
import { defaultReply, startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { collectStream, streamedTrace, traceOf } from '../support/policy-test-helpers.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * Clients of both dialects against a `type: gemini` provider: the fake Gemini upstream behind it
 * (a second one checks Gemini 3's thought signatures), the fake OpenAI upstream as the fallback
 * and as the vendor a Gemini conversation switches to.
 */

const KEY = 'AIzaSyFake-Gemini-Key_0123456789abcdef';
const FLASH = BUILTIN_MODELS['gemini-2.5-flash'];

let gemini: FakeGeminiUpstream;
let gemini3: FakeGeminiUpstream;
let openaiUpstream: FakeUpstream;
let running: TestGateway;
let client: OpenAI;
const logLines: string[] = [];

beforeAll(async () => {
  gemini = await startFakeGeminiUpstream({ apiKey: KEY });
  gemini3 = await startFakeGeminiUpstream({ apiKey: KEY, requireThoughtSignatures: true });
  openaiUpstream = await startFakeUpstream();
  running = await startGateway(
    `
providers:
  google: { type: gemini, base_url: "${gemini.url}/v1beta", api_key: "${KEY}", retry: { max_attempts: 2, initial_delay_ms: 10 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
  google3: { type: gemini, base_url: "${gemini3.url}/v1beta", api_key: "${KEY}", retry: { max_attempts: 1 } }
  fake: { type: openai, base_url: "${openaiUpstream.url}", api_key: "sk-openai-fallback-0000", retry: { max_attempts: 1 } }
models:
  once: { from: gemini-2.5-flash, retry: { max_attempts: 1 } }
  pro3: { from: gemini-3.1-pro-preview, provider: google3 }
  backup: { provider: fake, model: backup-wire, price: { input: 1, output: 2 } }
routers:
  failover:
    default: { fallback: [once, backup] }
  strict:
    routes:
      main: { when: { keywords: [hello] }, target: { fallback: [once, backup] }, failover_on_content_filter: true }
    default: { fallback: [once, backup] }
`,
    {},
    { logger: capturingLogger(logLines) },
  );
  client = new OpenAI({ baseURL: running.baseURL, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await running.close();
  await gemini.close();
  await gemini3.close();
  await openaiUpstream.close();
});

beforeEach(() => {
  gemini.respond({ type: 'content' });
  gemini.requests.length = 0;
  openaiUpstream.requests.length = 0;
  logLines.length = 0;
});

const lastBody = (): Record<string, unknown> => gemini.requests.at(-1)?.body ?? {};

const weatherTool: OpenAI.ChatCompletionFunctionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  },
};

describe('type: gemini, JSON', () => {
  it('answers through generateContent with its key header, the system instruction and merged turns', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'gemini-2.5-flash',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello' },
          { role: 'user', content: 'Anyone there?' },
        ],
        max_tokens: 100,
        temperature: 0.5,
        stop: ['END'],
      })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe(defaultGeminiReply('gemini-2.5-flash'));
    expect(data.choices[0]?.finish_reason).toBe('stop');
    const request = gemini.requests.at(-1);
    expect(request?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(request?.headers['x-goog-api-key']).toBe(KEY);
    expect(request?.body).toEqual({
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [{ role: 'user', parts: [{ text: 'Hello' }, { text: 'Anyone there?' }] }],
      generationConfig: { maxOutputTokens: 100, temperature: 0.5, stopSequences: ['END'] },
    });
    expect(data.usage?.prompt_tokens).toBe(request?.usage?.promptTokenCount);
    expect(data.usage?.completion_tokens).toBe(request?.usage?.candidatesTokenCount);
    expect(traceOf(running, response).attempts).toEqual([expect.objectContaining({ model: 'gemini-2.5-flash', provider: 'google', outcome: 'ok' })]);
  });

  it('records what it could not carry as warnings on the Attempt', async () => {
    const { response } = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hello' }], logprobs: true, user: 'u-1' }).withResponse();
    expect(lastBody()['logprobs']).toBeUndefined();
    expect(traceOf(running, response).attempts[0]?.warnings).toEqual(['logprobs was dropped: the Gemini API has no such field', 'user was dropped: the Gemini API has no such field']);
  });

  it('carries a tool round trip: function declarations out, calls with ids, the response named after its call', async () => {
    gemini.enqueue({
      type: 'content',
      parts: [
        { text: 'Let me check.' },
        { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
        { functionCall: { name: 'get_weather', args: { city: 'Rome' } } },
      ],
    });
    const first = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Weather in Paris and Rome?' }], tools: [weatherTool], tool_choice: 'required' });
    const message = first.choices[0]?.message;
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(message?.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ]);
    expect(lastBody()).toMatchObject({
      tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather in a city', parametersJsonSchema: weatherTool.function.parameters }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
    });

    gemini.enqueue({ type: 'content', parts: [{ text: 'Sunny in both.' }] });
    const second = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        message as OpenAI.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":22}' },
        { role: 'tool', tool_call_id: 'call_2', content: 'sunny' },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]?.message.content).toBe('Sunny in both.');
    expect(lastBody()['contents']).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
      { role: 'model', parts: [{ text: 'Let me check.' }, { functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { name: 'get_weather', args: { city: 'Rome' } } }] },
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 22 } } }, { functionResponse: { name: 'get_weather', response: { result: 'sunny' } } }],
      },
    ]);
  });

  it('sends a json_schema response format as native structured output', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    gemini.enqueue({ type: 'content', parts: [{ text: '{"answer":"4"}' }] });
    const data = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: '2+2?' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema } },
    });
    expect(JSON.parse(data.choices[0]?.message.content ?? '')).toEqual({ answer: '4' });
    expect(lastBody()['generationConfig']).toEqual({ responseMimeType: 'application/json', responseJsonSchema: schema });
  });

  it('sends images and PDFs inline, and an image URL as file data', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const pdf = Buffer.from('%PDF-1.4 fake').toString('base64');
    await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What are these?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.JPG' } },
            { type: 'file', file: { file_data: `data:application/pdf;base64,${pdf}`, filename: 'a.pdf' } },
          ],
        },
      ],
    });
    expect(lastBody()['contents']).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'What are these?' },
          { inlineData: { mimeType: 'image/png', data: png } },
          { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.JPG' } },
          { inlineData: { mimeType: 'application/pdf', data: pdf } },
        ],
      },
    ]);
  });

  it('prices cached and thought tokens: input with the cache read price, thoughts as output', async () => {
    gemini.enqueue({
      type: 'content',
      parts: [{ text: 'Thinking about it.', thought: true }, { text: 'The answer.' }],
      usage: { promptTokenCount: 5000, cachedContentTokenCount: 4000, candidatesTokenCount: 30, thoughtsTokenCount: 200 },
    });
    const { data, response } = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Q' }], reasoning_effort: 'low' }).withResponse();
    expect(lastBody()['generationConfig']).toEqual({ thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
    const message = data.choices[0]?.message as unknown as Record<string, unknown>;
    expect(message['content']).toBe('The answer.');
    expect(message['reasoning_content']).toBe('Thinking about it.');
    expect(data.usage).toMatchObject({
      prompt_tokens: 5000,
      completion_tokens: 230,
      prompt_tokens_details: { cached_tokens: 4000 },
      completion_tokens_details: { reasoning_tokens: 200 },
    });
    const { input, cached_input: cachedInput, output } = FLASH.price;
    const hand = (1000 * input + 4000 * (cachedInput ?? 0) + 230 * output) / 1e6;
    expect(response.headers.get('x-switchyard-cost-usd')).toBe(formatCost(hand));
  });

  it('answers a blocked prompt as a content_filter finish with no content, not failed over by default', async () => {
    gemini.enqueue({ type: 'content', blockReason: 'SAFETY' });
    const { data, response } = await client.chat.completions.create({ model: 'failover', messages: [{ role: 'user', content: 'something' }] }).withResponse();
    expect(data.choices[0]?.finish_reason).toBe('content_filter');
    expect(data.choices[0]?.message.content).toBe('');
    expect(openaiUpstream.requests).toHaveLength(0);
    expect(traceOf(running, response).attempts).toEqual([expect.objectContaining({ model: 'once', outcome: 'ok' })]);
  });

  it('fails a safety stop over when the route allows it', async () => {
    gemini.enqueue({ type: 'content', parts: [{ text: '' }], finishReason: 'SAFETY' });
    const data = await client.chat.completions.create({ model: 'strict', messages: [{ role: 'user', content: 'hello there' }] });
    expect(data.model).toBe('backup');
    expect(data.choices[0]?.message.content).toBe(defaultReply('backup-wire'));
  });
});

describe('type: gemini, errors', () => {
  it('retries a 429 after the delay Google asked for, then answers', async () => {
    gemini.enqueue({ type: 'error', status: 'RESOURCE_EXHAUSTED', retryAfterSeconds: 0 });
    const { data, response } = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe(defaultGeminiReply('gemini-2.5-flash'));
    expect(traceOf(running, response).attempts.map((attempt) => attempt.outcome)).toEqual(['error', 'ok']);
    expect(traceOf(running, response).attempts[0]?.error).toMatchObject({ status: 429 });
  });

  it('answers a 400 INVALID_ARGUMENT as a 400 once, never retried, with the key redacted from the echoed message', async () => {
    gemini.enqueue({ type: 'error', status: 'INVALID_ARGUMENT', message: `Bad request for key ${KEY}` });
    const failure = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 400, message: expect.stringContaining('Bad request for key [REDACTED]') });
    expect(JSON.stringify(failure)).not.toContain(KEY);
    expect(logLines.join('\n')).not.toContain(KEY);
    expect(gemini.requests).toHaveLength(1);
  });

  it('fails over to another vendor when Gemini is unavailable, JSON and streamed', async () => {
    gemini.enqueue({ type: 'error', status: 'UNAVAILABLE' }, { type: 'error', status: 'UNAVAILABLE' });
    const { data, response } = await client.chat.completions.create({ model: 'failover', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe(defaultReply('backup-wire'));
    expect(traceOf(running, response).attempts).toEqual([
      expect.objectContaining({ model: 'once', outcome: 'error', error: expect.objectContaining({ status: 503 }) }),
      expect.objectContaining({ model: 'backup', outcome: 'ok' }),
    ]);
    const streamed = await client.chat.completions.create({ model: 'failover', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
    expect((await collectStream(streamed.data)).text).toBe(defaultReply('backup-wire'));
    expect((await streamedTrace(running, streamed.response)).attempts.map((attempt) => [attempt.model, attempt.outcome])).toEqual([
      ['once', 'error'],
      ['backup', 'ok'],
    ]);
  });

  it('ends the stream with an error when an error chunk comes after content', async () => {
    gemini.enqueue({ type: 'content', parts: [{ text: 'one two three four five six' }], errorAfterChunks: { after: 2, status: 'INTERNAL' } });
    const response = await fetch(`${running.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'failover', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    const events = (await response.text()).trim().split('\n\n').map((event) => event.replace(/^data: /, ''));
    expect(events).not.toContain('[DONE]');
    expect(JSON.parse(events.at(-1) ?? '{}')).toMatchObject({ error: { message: expect.stringContaining('internal error') } });
    expect(openaiUpstream.requests).toHaveLength(0);
  });
});

describe('type: gemini, streams', () => {
  it('streams thoughts, text, a whole function call and the last usage totals', async () => {
    gemini.enqueue({
      type: 'content',
      parts: [{ text: 'The user wants weather.', thought: true }, { text: 'Checking now.' }, { functionCall: { name: 'get_weather', args: { city: 'Rome' } } }],
      usage: { cachedContentTokenCount: 3 },
    });
    const stream = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Weather in Rome?' }],
      tools: [weatherTool],
      stream: true,
      stream_options: { include_usage: true },
    });
    const { chunks, text } = await collectStream(stream);
    expect(gemini.requests.at(-1)?.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(text).toBe('Checking now.');
    const deltas = chunks.map((chunk) => chunk.choices[0]?.delta as Record<string, unknown> | undefined);
    expect(deltas.map((delta) => delta?.['reasoning_content'] ?? '').join('')).toBe('The user wants weather.');
    const calls = deltas.flatMap((delta) => (delta?.['tool_calls'] as OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] | undefined) ?? []);
    expect(calls).toEqual([{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }]);
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean)).toEqual(['tool_calls']);
    const usage = gemini.requests.at(-1)?.usage;
    expect(chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: usage?.promptTokenCount,
      completion_tokens: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0),
      prompt_tokens_details: { cached_tokens: 3 },
    });
  });
});

describe('type: gemini, Anthropic clients', () => {
  let anthropicClient: Anthropic;
  beforeAll(() => {
    anthropicClient = new Anthropic({ baseURL: running.url, apiKey: 'unused', maxRetries: 0 });
  });

  it('serves a Messages request, JSON, with a tool call', async () => {
    gemini.enqueue({ type: 'content', parts: [{ text: 'On it.' }, { functionCall: { name: 'get_weather', args: { city: 'Oslo' } } }] });
    const message = await anthropicClient.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 200,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
    });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'text', text: 'On it.' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Oslo' } },
    ]);
    expect(lastBody()).toMatchObject({ systemInstruction: { parts: [{ text: 'Be brief.' }] }, generationConfig: { maxOutputTokens: 200 } });
  });

  it('streams a Messages answer', async () => {
    const stream = anthropicClient.messages.stream({ model: 'gemini-2.5-flash', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: defaultGeminiReply('gemini-2.5-flash') }]);
    expect(final.usage.output_tokens).toBe(gemini.requests.at(-1)?.usage?.candidatesTokenCount);
  });
});

describe('type: gemini, embeddings', () => {
  it('serves /v1/embeddings through batchEmbedContents, shorter vectors on request', async () => {
    const { data, response } = await client.embeddings.create({ model: 'gemini-embedding-001', input: ['alpha', 'beta'], dimensions: 64 }).withResponse();
    expect(response.status).toBe(200);
    expect(data.data.map((item) => item.embedding.length)).toEqual([64, 64]);
    expect(data.data[1]?.embedding[0]).toBeCloseTo(fakeGeminiEmbedding('beta', 64)[0] ?? 0, 5);
    const request = gemini.requests.at(-1);
    expect(request?.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(request?.body?.['requests']).toEqual([
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'alpha' }] }, outputDimensionality: 64 },
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'beta' }] }, outputDimensionality: 64 },
    ]);
  });
});

describe('Gemini 3 thought signatures', () => {
  it('keeps them over a three-turn tool conversation, then drops them with a note when it moves to another vendor', async () => {
    gemini3.enqueue(
      { type: 'content', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
      { type: 'content', parts: [{ text: 'And now Rome.' }, { functionCall: { name: 'get_weather', args: { city: 'Rome' } } }] },
      { type: 'content', parts: [{ text: 'Paris 22°C, Rome 25°C.' }] },
    );
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris, then Rome?' }];

    // Turn 1, JSON: the signature comes back on the call as extra_content.
    const first = await client.chat.completions.create({ model: 'pro3', messages, tools: [weatherTool] });
    const firstCall = first.choices[0]?.message.tool_calls?.[0] as unknown as Record<string, unknown>;
    expect(firstCall['extra_content']).toEqual({ google: { thought_signature: gemini3.issuedSignatures[0] } });
    messages.push(first.choices[0]?.message as OpenAI.ChatCompletionMessageParam, { role: 'tool', tool_call_id: String(firstCall['id']), content: '22°C' });

    // Turn 2, streamed: the signature rides on the tool call delta; the fake refuses a history without turn 1's.
    const stream = await client.chat.completions.create({ model: 'pro3', messages, tools: [weatherTool], stream: true });
    const { chunks, text } = await collectStream(stream);
    const streamedCall = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])[0] as unknown as Record<string, unknown>;
    expect(streamedCall['extra_content']).toEqual({ google: { thought_signature: gemini3.issuedSignatures[1] } });
    const fn = streamedCall['function'] as { name: string; arguments: string };
    messages.push(
      { role: 'assistant', content: text, tool_calls: [{ id: String(streamedCall['id']), type: 'function', function: fn, extra_content: streamedCall['extra_content'] } as OpenAI.ChatCompletionMessageToolCall] },
      { role: 'tool', tool_call_id: String(streamedCall['id']), content: '25°C' },
    );

    // Turn 3: both signatures echoed, each on its own call.
    const third = await client.chat.completions.create({ model: 'pro3', messages, tools: [weatherTool] });
    expect(third.choices[0]?.message.content).toBe('Paris 22°C, Rome 25°C.');
    const modelTurns = (gemini3.requests.at(-1)?.body?.['contents'] as Array<{ role: string; parts: Array<Record<string, unknown>> }>).filter((content) => content.role === 'model');
    expect(modelTurns.map((turn) => turn.parts.find((part) => part['functionCall'])?.['thoughtSignature'])).toEqual(gemini3.issuedSignatures.slice(0, 2));
    expect(gemini3.requests.map((request) => request.body?.['contents'] && (request.body['contents'] as unknown[]).length)).toEqual([1, 3, 5]);

    // The same conversation at another vendor: signatures dropped, with a note, and an answer.
    const { data, response } = await client.chat.completions.create({ model: 'backup', messages, tools: [weatherTool] }).withResponse();
    expect(data.choices[0]?.message.content).toBe(defaultReply('backup-wire'));
    expect(JSON.stringify(openaiUpstream.requests.at(-1)?.body)).not.toContain('thought_signature');
    expect(traceOf(running, response).attempts[0]?.warnings).toEqual([expect.stringMatching(/^thought signatures dropped: 2 /)]);
  });
});
