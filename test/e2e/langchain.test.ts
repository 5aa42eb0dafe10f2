import { HumanMessage, type AIMessage, type AIMessageChunk, type ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defaultReply } from '../support/fake-openai-upstream.js';
import { useClientTestGateway } from '../support/client-test-gateway.js';

/**
 * LangChain's `ChatOpenAI`, unmodified, against the gateway, with `useResponsesApi` off (Chat
 * Completions) and on (the Responses API, which LangChain also picks by itself for some models):
 * `invoke`, `stream`, `withStructuredOutput` and a `bindTools` round trip, each served by the fake
 * Chat Completions upstream behind the router `auto`.
 */

const KEY = 'gw-key-langchain-0123456789';
const USAGE = { prompt_tokens: 20, completion_tokens: 7 };
const CHEAP_COST = (20 * 0.15 + 7 * 0.6) / 1e6;

const gw = useClientTestGateway(KEY, USAGE);

const weather = tool(async ({ city }) => JSON.stringify({ city, forecast: 'sunny' }), {
  name: 'weather',
  description: 'The weather in a city.',
  schema: z.object({ city: z.string() }),
});

describe.each([
  { api: 'Chat Completions', useResponsesApi: false },
  { api: 'the Responses API', useResponsesApi: true },
])('ChatOpenAI over $api', ({ useResponsesApi }) => {
  const chat = (): ChatOpenAI => new ChatOpenAI({ model: 'auto', apiKey: KEY, configuration: { baseURL: gw.running.baseURL }, useResponsesApi, maxRetries: 0 });

  it('invoke: the answer with its usage, priced on the trace', async () => {
    const message = await chat().invoke('What is the capital of Japan?');
    // The answer's id says which API served it.
    expect(message.id).toMatch(useResponsesApi ? /^resp_/ : /^chatcmpl-/);
    expect(message.text).toBe(defaultReply('cheap-wire'));
    expect(message.usage_metadata).toMatchObject({ input_tokens: 20, output_tokens: 7, total_tokens: 27 });
    expect(gw.upstream.requests[0]?.body?.['messages']).toEqual([{ role: 'user', content: 'What is the capital of Japan?' }]);
    expect(gw.lastTrace()).toMatchObject({ status: 'ok', model: 'cheap', router: 'auto', stream: false });
    expect(gw.lastTrace().costUsd).toBeCloseTo(CHEAP_COST, 12);
  });

  it('stream: the chunks add up to the answer, and the last carries the usage', async () => {
    gw.upstream.respond({ type: 'completion', text: 'Tokyo is the capital of Japan.', usage: USAGE });
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await chat().stream('What is the capital of Japan?')) chunks.push(chunk);
    expect(chunks.filter((chunk) => chunk.text !== '').length).toBeGreaterThan(1);
    const whole = chunks.reduce((sum, chunk) => sum.concat(chunk));
    expect(whole.text).toBe('Tokyo is the capital of Japan.');
    expect(whole.usage_metadata).toMatchObject({ input_tokens: 20, output_tokens: 7, total_tokens: 27 });
    expect(gw.upstream.requests[0]?.body?.['stream']).toBe(true);
    expect(gw.lastTrace()).toMatchObject({ status: 'ok', model: 'cheap', stream: true });
    expect(gw.lastTrace().costUsd).toBeCloseTo(CHEAP_COST, 12);
  });

  it('withStructuredOutput: a zod schema goes upstream as a json_schema response format, and the answer parses', async () => {
    gw.upstream.respond({ type: 'completion', text: '{"city":"Tokyo","population":14000000}', usage: USAGE });
    const capital = chat().withStructuredOutput(z.object({ city: z.string(), population: z.number() }), { name: 'capital' });
    expect(await capital.invoke('The capital of Japan and its population.')).toEqual({ city: 'Tokyo', population: 14_000_000 });
    const format = gw.upstream.requests[0]?.body?.['response_format'] as { type: string; json_schema: { name: string; schema: Record<string, unknown> } };
    expect(format.type).toBe('json_schema');
    expect(format.json_schema.name).toBe('capital');
    expect(format.json_schema.schema).toMatchObject({ type: 'object', properties: { city: { type: 'string' }, population: { type: 'number' } } });
  });

  it('bindTools: the tool call comes back, and its result goes up in the next turn', async () => {
    gw.upstream.respond((request) => {
      const messages = (request.body?.['messages'] ?? []) as Array<{ role?: string }>;
      return messages.some((message) => message.role === 'tool')
        ? { type: 'completion', text: 'Sunny in Lima.', usage: USAGE }
        : { type: 'completion', toolCalls: [{ id: 'call_lc_1', name: 'weather', arguments: '{"city":"Lima"}' }], usage: USAGE };
    });
    const model = chat().bindTools([weather]);
    const question = new HumanMessage('What is the weather in Lima?');
    const call: AIMessage = await model.invoke([question]);
    expect(call.tool_calls).toEqual([expect.objectContaining({ id: 'call_lc_1', name: 'weather', args: { city: 'Lima' } })]);
    const result: ToolMessage = await weather.invoke(call.tool_calls![0]!);
    const answer = await model.invoke([question, call, result]);
    expect(answer.text).toBe('Sunny in Lima.');

    const [first, second] = gw.upstream.requests.map((request) => request.body);
    expect(first?.['tools']).toEqual([expect.objectContaining({ type: 'function', function: expect.objectContaining({ name: 'weather' }) })]);
    const messages = second?.['messages'] as Array<Record<string, unknown>>;
    expect(messages[1]).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_lc_1', function: { name: 'weather', arguments: '{"city":"Lima"}' } }] });
    expect(messages[2]).toMatchObject({ role: 'tool', tool_call_id: 'call_lc_1', content: '{"city":"Lima","forecast":"sunny"}' });
  });
});
