import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateObject, generateText, stepCountIs, streamText, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatCost } from '../../src/cost/compute-cost.js';
import { defaultReply } from '../support/fake-openai-upstream.js';
import { useClientTestGateway } from '../support/client-test-gateway.js';

/**
 * The Vercel AI SDK, unmodified, against the gateway: its default `openai(model)` provider speaks
 * the Responses API (`POST /v1/responses`), and `@ai-sdk/openai-compatible` (the way the AI SDK
 * reaches Gemini's OpenAI-compatible endpoint and most other vendors) speaks Chat Completions.
 * Every call is served by the fake Chat Completions upstream behind the router `auto`, so each
 * answer went through the edge's conversion both ways.
 */

const KEY = 'gw-key-ai-sdk-0123456789';
/** The scripted usage of every answer, and what it costs on `cheap` (0.15 / 0.6 USD per million). */
const USAGE = { prompt_tokens: 20, completion_tokens: 7 };
const CHEAP_COST = (20 * 0.15 + 7 * 0.6) / 1e6;

const gw = useClientTestGateway(KEY, USAGE);

/** The upstream calls `weather` until the conversation holds the tool's result, then answers `text`. */
function toolThenText(callId: string, args: string, text: string): void {
  gw.upstream.respond((request) => {
    const messages = (request.body?.['messages'] ?? []) as Array<{ role?: string }>;
    return messages.some((message) => message.role === 'tool')
      ? { type: 'completion', text, usage: USAGE }
      : { type: 'completion', toolCalls: [{ id: callId, name: 'weather', arguments: args }], usage: USAGE };
  });
}

const weather = tool({
  description: 'The weather in a city.',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, forecast: 'sunny', celsius: 24 }),
});

describe('the AI SDK default provider: openai(model), the Responses API', () => {
  const openai = (): ReturnType<typeof createOpenAI> => createOpenAI({ baseURL: gw.running.baseURL, apiKey: KEY });

  it('generateText: the answer, its usage, and the headers that say who served and what it cost', async () => {
    const result = await generateText({ model: openai()('auto'), prompt: 'What is the capital of Japan?', maxRetries: 0 });
    expect(result.text).toBe(defaultReply('cheap-wire'));
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({ inputTokens: 20, outputTokens: 7, totalTokens: 27 });
    expect(result.response.headers?.['x-switchyard-model']).toBe('cheap');
    expect(result.response.headers?.['x-switchyard-router']).toBe('auto');
    expect(result.response.headers?.['x-switchyard-cost-usd']).toBe(formatCost(CHEAP_COST));
    expect(result.response.modelId).toBe('cheap');
    expect(result.response.id).toMatch(/^resp_/);

    const sent = gw.upstream.requests[0]?.body;
    expect(sent?.['model']).toBe('cheap-wire');
    expect(sent?.['messages']).toEqual([{ role: 'user', content: 'What is the capital of Japan?' }]);
    expect(gw.lastTrace()).toMatchObject({ status: 'ok', model: 'cheap', router: 'auto', stream: false });
    expect(gw.lastTrace().costUsd).toBeCloseTo(CHEAP_COST, 12);
  });

  it('streamText: the deltas add up to the answer, with usage at the end', async () => {
    gw.upstream.respond({ type: 'completion', text: 'Tokyo is the capital of Japan.', usage: USAGE });
    const result = streamText({ model: openai()('auto'), system: 'Be brief.', prompt: 'What is the capital of Japan?', maxRetries: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Tokyo is the capital of Japan.');
    expect(await result.finishReason).toBe('stop');
    expect(await result.usage).toMatchObject({ inputTokens: 20, outputTokens: 7, totalTokens: 27 });
    expect((await result.response).headers?.['x-switchyard-model']).toBe('cheap');

    const sent = gw.upstream.requests[0]?.body;
    expect(sent?.['stream']).toBe(true);
    expect(sent?.['messages']).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is the capital of Japan?' },
    ]);
    expect(gw.lastTrace()).toMatchObject({ status: 'ok', model: 'cheap', stream: true });
    expect(gw.lastTrace().costUsd).toBeCloseTo(CHEAP_COST, 12);
  });

  it('generateObject: a zod schema goes upstream as a json_schema response format, and the answer parses', async () => {
    gw.upstream.respond({ type: 'completion', text: '{"city":"Tokyo","population":14000000}', usage: USAGE });
    const { object, usage } = await generateObject({
      model: openai()('auto'),
      schema: z.object({ city: z.string(), population: z.number() }),
      schemaName: 'capital',
      prompt: 'The capital of Japan and its population.',
      maxRetries: 0,
    });
    expect(object).toEqual({ city: 'Tokyo', population: 14_000_000 });
    expect(usage).toMatchObject({ inputTokens: 20, outputTokens: 7 });

    const format = gw.upstream.requests[0]?.body?.['response_format'] as { type: string; json_schema: { name: string; strict: boolean; schema: Record<string, unknown> } };
    expect(format.type).toBe('json_schema');
    expect(format.json_schema.name).toBe('capital');
    expect(format.json_schema.schema).toMatchObject({
      type: 'object',
      properties: { city: { type: 'string' }, population: { type: 'number' } },
      required: ['city', 'population'],
    });
  });

  it('a tool call: the SDK runs the tool and sends its result back, and the second step answers', async () => {
    toolThenText('call_weather_1', '{"city":"Lima"}', 'It is sunny in Lima, 24 degrees.');
    const result = await generateText({
      model: openai()('auto'),
      tools: { weather },
      stopWhen: stepCountIs(3),
      prompt: 'What is the weather in Lima?',
      maxRetries: 0,
    });
    expect(result.text).toBe('It is sunny in Lima, 24 degrees.');
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]?.toolCalls).toEqual([expect.objectContaining({ toolCallId: 'call_weather_1', toolName: 'weather', input: { city: 'Lima' } })]);
    expect(result.steps[0]?.toolResults).toEqual([expect.objectContaining({ toolCallId: 'call_weather_1', output: { city: 'Lima', forecast: 'sunny', celsius: 24 } })]);
    expect(result.totalUsage).toMatchObject({ inputTokens: 40, outputTokens: 14 });

    const [first, second] = gw.upstream.requests.map((request) => request.body);
    expect(first?.['tools']).toEqual([
      expect.objectContaining({ type: 'function', function: expect.objectContaining({ name: 'weather', description: 'The weather in a city.' }) }),
    ]);
    const messages = second?.['messages'] as Array<Record<string, unknown>>;
    expect(messages[1]).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_weather_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Lima"}' } }] });
    expect(messages[2]).toMatchObject({ role: 'tool', tool_call_id: 'call_weather_1' });
    expect(JSON.parse(String(messages[2]?.['content']))).toEqual({ city: 'Lima', forecast: 'sunny', celsius: 24 });
  });

  it('a tool call after some text: the SDK refers to the stored text by its item id, and the gateway resolves it', async () => {
    gw.upstream.respond((request) => {
      const messages = (request.body?.['messages'] ?? []) as Array<{ role?: string }>;
      return messages.some((message) => message.role === 'tool')
        ? { type: 'completion', text: 'Sunny in Quito.', usage: USAGE }
        : { type: 'completion', text: 'Let me look that up.', toolCalls: [{ id: 'call_weather_3', name: 'weather', arguments: '{"city":"Quito"}' }], usage: USAGE };
    });
    const result = await generateText({ model: openai()('auto'), tools: { weather }, stopWhen: stepCountIs(3), prompt: 'Weather in Quito?', maxRetries: 0 });
    expect(result.text).toBe('Sunny in Quito.');
    const messages = gw.upstream.requests[1]?.body?.['messages'] as Array<Record<string, unknown>>;
    expect(messages[1]).toMatchObject({ role: 'assistant', content: 'Let me look that up.' });
    expect(messages).toContainEqual(expect.objectContaining({ role: 'tool', tool_call_id: 'call_weather_3' }));
  });

  it('a tool call while streaming: the call streams in, the tool runs, the second step streams the answer', async () => {
    toolThenText('call_weather_2', '{"city":"Oslo"}', 'Sunny in Oslo.');
    const result = streamText({ model: openai()('auto'), tools: { weather }, stopWhen: stepCountIs(3), prompt: 'Weather in Oslo?', maxRetries: 0 });
    expect(await result.text).toBe('Sunny in Oslo.');
    const steps = await result.steps;
    expect(steps[0]?.toolCalls).toEqual([expect.objectContaining({ toolCallId: 'call_weather_2', input: { city: 'Oslo' } })]);
    expect(gw.upstream.requests).toHaveLength(2);
    expect(gw.upstream.requests[1]?.body?.['messages']).toContainEqual(expect.objectContaining({ role: 'tool', tool_call_id: 'call_weather_2' }));
  });
});

describe('the AI SDK with @ai-sdk/openai-compatible: Chat Completions (its "google" leg)', () => {
  const google = (): ReturnType<typeof createOpenAICompatible> =>
    createOpenAICompatible({ name: 'google', baseURL: gw.running.baseURL, apiKey: KEY, includeUsage: true });

  it('generateText: the answer, its usage and cost', async () => {
    const result = await generateText({ model: google()('auto'), prompt: 'What is the capital of Japan?', maxRetries: 0 });
    expect(result.text).toBe(defaultReply('cheap-wire'));
    expect(result.usage).toMatchObject({ inputTokens: 20, outputTokens: 7, totalTokens: 27 });
    expect(result.response.headers?.['x-switchyard-model']).toBe('cheap');
    expect(result.response.headers?.['x-switchyard-cost-usd']).toBe(formatCost(CHEAP_COST));
    expect(gw.upstream.requests[0]?.body?.['messages']).toEqual([{ role: 'user', content: 'What is the capital of Japan?' }]);
    expect(gw.lastTrace()).toMatchObject({ status: 'ok', model: 'cheap', stream: false });
  });

  it('streamText: the deltas add up to the answer, with the usage chunk it asked for', async () => {
    gw.upstream.respond({ type: 'completion', text: 'Tokyo is the capital of Japan.', usage: USAGE });
    const result = streamText({ model: google()('auto'), prompt: 'What is the capital of Japan?', maxRetries: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Tokyo is the capital of Japan.');
    expect(await result.usage).toMatchObject({ inputTokens: 20, outputTokens: 7, totalTokens: 27 });
    expect(gw.lastTrace()).toMatchObject({ status: 'ok', model: 'cheap', stream: true });
    expect(gw.lastTrace().costUsd).toBeCloseTo(CHEAP_COST, 12);
  });
});
