import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUILTIN_MODELS } from '../../src/catalog/builtin-catalog.js';
import { formatCost } from '../../src/cost/compute-cost.js';
import { defaultReply, startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { defaultResponsesReply, startFakeResponsesUpstream, type FakeResponsesUpstream } from '../support/fake-responses-upstream.js';
import { collectStream, streamedTrace, traceOf } from '../support/policy-test-helpers.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * Responses out: `gpt-5-codex`, which OpenAI serves through the Responses API only, behind the
 * fake Responses upstream, asked by the unmodified `openai` client (Chat Completions) and
 * `@anthropic-ai/sdk` (Messages). What the fake received is the Responses API's shape; answers,
 * tool calls, structured output, usage and cost come back in the client's dialect; a failure
 * before the first byte fails over to a model on another upstream, one after it ends the stream
 * with an error.
 */

const KEY = 'sk-responses-e2e-0123456789abcdef';
const MODEL = 'gpt-5-codex';
const PRICE = BUILTIN_MODELS[MODEL]?.price as { input: number; cached_input: number; output: number };

let responses: FakeResponsesUpstream;
let chatUpstream: FakeUpstream;
let running: TestGateway;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  responses = await startFakeResponsesUpstream({ apiKey: KEY });
  chatUpstream = await startFakeUpstream();
  running = await startGateway(`
providers:
  openai: { type: openai, base_url: "${responses.url}", api_key: "${KEY}", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
  fake: { type: openai, base_url: "${chatUpstream.url}", api_key: "sk-other-0000", retry: { max_attempts: 1 } }
models:
  ${MODEL}: {}
  backup: { provider: fake, model: backup-wire, price: { input: 1, output: 2 } }
routers:
  failover:
    default: { fallback: [${MODEL}, backup] }
`);
  openai = new OpenAI({ baseURL: running.baseURL, apiKey: 'unused', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: running.url, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await running?.close();
  await responses?.close();
  await chatUpstream?.close();
});

beforeEach(() => {
  responses.requests.length = 0;
  responses.respond({ type: 'response' });
  chatUpstream.requests.length = 0;
  chatUpstream.respond((request) => ({ type: 'completion', text: defaultReply(String(request.body?.['model'])) }));
});

const lastBody = (): Record<string, unknown> => responses.requestsFor(MODEL).at(-1)?.body ?? {};

const weather: OpenAI.ChatCompletionFunctionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe('a Chat Completions client served by a Responses-only model', () => {
  it('sends instructions, input items and store: false, and prices the usage the Responses API reported', async () => {
    responses.respond({ type: 'response', usage: { input_tokens: 1000, cached_tokens: 400, output_tokens: 200, reasoning_tokens: 50 } });
    const { data, response } = await openai.chat.completions
      .create({ model: MODEL, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }], max_tokens: 50, temperature: 0.5 })
      .withResponse();

    expect(data.choices[0]?.message.content).toBe(defaultResponsesReply(MODEL));
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 200, prompt_tokens_details: { cached_tokens: 400 }, completion_tokens_details: { reasoning_tokens: 50 } });
    const sent = responses.requestsFor(MODEL)[0];
    expect(sent?.pathname).toBe('/v1/responses');
    expect(sent?.body).toEqual({
      model: MODEL,
      instructions: 'Be brief.',
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello' }] }],
      max_output_tokens: 50,
      temperature: 0.5,
      store: false,
    });
    expect(responses.storedIds()).toEqual([]);

    const expected = (600 * PRICE.input + 400 * PRICE.cached_input + 200 * PRICE.output) / 1e6;
    expect(response.headers.get('x-switchyard-cost-usd')).toBe(formatCost(expected));
    const [attempt] = traceOf(running, response).attempts;
    expect(attempt).toMatchObject({ model: MODEL, provider: 'openai', outcome: 'ok', usage: { inputTokens: 1000, cachedInputTokens: 400, outputTokens: 200, reasoningTokens: 50 } });
    expect(attempt?.costUsd).toBeCloseTo(expected, 12);
  });

  it('streams the answer with its finish reason and usage', async () => {
    const stream = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello' }], stream: true, stream_options: { include_usage: true } });
    const { chunks, text } = await collectStream(stream);
    expect(text).toBe(defaultResponsesReply(MODEL));
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean)).toEqual(['stop']);
    const usage = responses.requestsFor(MODEL)[0]?.response?.usage;
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: usage?.input_tokens, completion_tokens: usage?.output_tokens });
    expect(lastBody()).toMatchObject({ stream: true, store: false });
    expect(lastBody()).not.toHaveProperty('stream_options');
  });

  it('carries a tool round trip: function_call out, function_call_output back, streamed too', async () => {
    responses.enqueue({ type: 'response', output: [{ type: 'function_call', callId: 'call_1', name: 'get_weather', arguments: '{"city":"Rome"}' }] });
    const first = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Weather in Rome?' }], tools: [weather], tool_choice: 'auto' });
    const call = first.choices[0]?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } });
    expect(lastBody()).toMatchObject({
      tools: [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: weather.function.parameters, strict: false }],
      tool_choice: 'auto',
    });

    const second = await openai.chat.completions.create({
      model: MODEL,
      tools: [weather],
      messages: [{ role: 'user', content: 'Weather in Rome?' }, first.choices[0]?.message as OpenAI.ChatCompletionMessageParam, { role: 'tool', tool_call_id: call.id, content: 'sunny' }],
    });
    expect(second.choices[0]?.message.content).toBe(defaultResponsesReply(MODEL));
    expect(responses.requestsFor(MODEL).at(-1)?.input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Weather in Rome?' }] },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Rome"}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
    ]);

    responses.enqueue({ type: 'response', output: [{ type: 'function_call', callId: 'call_2', name: 'get_weather', arguments: '{"city":"Oslo"}' }] });
    const { chunks } = await collectStream(await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Oslo?' }], tools: [weather], stream: true }));
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, id: 'call_2', function: { name: 'get_weather' } });
    expect(calls.map((delta) => delta.function?.arguments ?? '').join('')).toBe('{"city":"Oslo"}');
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean)).toEqual(['tool_calls']);
  });

  it('asks for json_schema output as text.format', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    responses.respond({ type: 'response', output: [{ type: 'text', text: '{"city":"Rome"}' }] });
    const completion = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Which city?' }],
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema, strict: true } },
    });
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toEqual({ city: 'Rome' });
    expect(lastBody()['text']).toEqual({ format: { type: 'json_schema', name: 'city', schema, strict: true } });
    expect(lastBody()).not.toHaveProperty('response_format');
  });
});

describe('an Anthropic client served by a Responses-only model', () => {
  it('answers a Messages request, its system prompt sent as instructions, what it could not carry noted on the Attempt', async () => {
    const { data, response } = await anthropic.messages
      .create({ model: MODEL, max_tokens: 100, system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: 'Hello' }] })
      .withResponse();
    expect(data.content).toEqual([expect.objectContaining({ type: 'text', text: defaultResponsesReply(MODEL) })]);
    expect(data.stop_reason).toBe('end_turn');
    expect(data.usage.input_tokens).toBe(responses.requestsFor(MODEL)[0]?.response?.usage?.input_tokens);
    expect(lastBody()).toEqual({
      model: MODEL,
      instructions: 'Be brief.',
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello' }] }],
      max_output_tokens: 100,
      store: false,
    });
    expect(traceOf(running, response).attempts[0]?.warnings).toEqual(['dropped 1 cache_control breakpoint(s): the Responses API caches prompt prefixes by itself']);
  });

  it('streams a tool call back as tool_use', async () => {
    responses.respond({ type: 'response', output: [{ type: 'text', text: 'Checking.' }, { type: 'function_call', callId: 'call_9', name: 'get_weather', arguments: '{"city":"Rome"}' }] });
    const message = await anthropic.messages
      .stream({
        model: MODEL,
        max_tokens: 100,
        tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
        messages: [{ role: 'user', content: 'Weather in Rome?' }],
      })
      .finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Checking.' }),
      expect.objectContaining({ type: 'tool_use', id: 'call_9', name: 'get_weather', input: { city: 'Rome' } }),
    ]);
    expect(message.usage.output_tokens).toBe(responses.requestsFor(MODEL)[0]?.response?.usage?.output_tokens);
  });
});

describe('a Responses client served by a Responses-only model', () => {
  it("forwards the client's own fields and gives back the reasoning items the upstream returned", async () => {
    responses.respond({ type: 'response', output: [{ type: 'reasoning', summary: ['Thought about it.'] }, { type: 'text', text: 'Done.' }] });
    const answer = await openai.responses.create({
      model: MODEL,
      instructions: 'Be brief.',
      input: 'Hello',
      reasoning: { effort: 'low', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
      truncation: 'auto',
    });
    expect(answer.output_text).toBe('Done.');
    const reasoning = answer.output.find((item) => item.type === 'reasoning');
    expect(reasoning).toMatchObject({ summary: [{ type: 'summary_text', text: 'Thought about it.' }], encrypted_content: expect.any(String) });
    expect(lastBody()).toEqual({
      model: MODEL,
      instructions: 'Be brief.',
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello' }] }],
      reasoning: { effort: 'low', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
      truncation: 'auto',
      store: false,
    });

    // The next turn sends the reasoning back, encrypted content and all, before the answer it led to.
    await openai.responses.create({ model: MODEL, input: [...(answer.output as OpenAI.Responses.ResponseInputItem[]), { role: 'user', content: 'And then?' }], include: ['reasoning.encrypted_content'] });
    const input = responses.requestsFor(MODEL).at(-1)?.input ?? [];
    expect(input.map((item) => item.type)).toEqual(['reasoning', 'message', 'message']);
    expect(input[0]).toMatchObject({ type: 'reasoning', encrypted_content: (reasoning as { encrypted_content: string }).encrypted_content });
  });
});

describe('failures of a Responses upstream', () => {
  it('fails over to a model on another upstream when the Responses API errs before the first byte', async () => {
    responses.enqueue({ type: 'error', status: 503 }, { type: 'error', status: 503 });
    const { data, response } = await openai.chat.completions.create({ model: 'failover', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe(defaultReply('backup-wire'));
    expect(traceOf(running, response).attempts).toEqual([
      expect.objectContaining({ model: MODEL, outcome: 'error', error: expect.objectContaining({ status: 503 }) }),
      expect.objectContaining({ model: 'backup', outcome: 'ok' }),
    ]);

    const streamed = await openai.chat.completions.create({ model: 'failover', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
    expect((await collectStream(streamed.data)).text).toBe(defaultReply('backup-wire'));
    expect((await streamedTrace(running, streamed.response)).attempts.map((attempt) => attempt.outcome)).toEqual(['error', 'ok']);
  });

  it('fails over too when a rate-limit error event comes after response.created but before any content', async () => {
    responses.enqueue({ type: 'response', errorAfterEvents: { after: 2, code: 'rate_limit_exceeded', message: 'Slow down.' } });
    const { data, response } = await openai.chat.completions.create({ model: 'failover', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
    expect((await collectStream(data)).text).toBe(defaultReply('backup-wire'));
    expect((await streamedTrace(running, response)).attempts).toEqual([
      expect.objectContaining({ model: MODEL, outcome: 'error', error: expect.objectContaining({ status: 429, retryable: true }) }),
      expect.objectContaining({ model: 'backup', outcome: 'ok' }),
    ]);
  });

  it('replays a stream answered in one piece, and ends a stream that stops after its first content without completing with an error', async () => {
    const whole = { id: 'resp_whole', object: 'response', created_at: 1700000000, model: MODEL, status: 'completed', output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'All at once.' }] }], usage: { input_tokens: 5, output_tokens: 3 } };
    responses.enqueue({ type: 'raw', status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(whole) });
    const { text, chunks } = await collectStream(await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], stream: true }));
    expect(text).toBe('All at once.');
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean)).toEqual(['stop']);

    // Closed cleanly, but without its `response.completed`: cut all the same.
    responses.enqueue({
      type: 'events',
      events: [
        { type: 'response.created', response: { id: 'resp_cut', created_at: 1700000000, model: MODEL, status: 'in_progress', output: [] } },
        { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'one ' },
      ],
      end: 'close',
    });
    const cut = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], stream: true });
    await expect(collectStream(cut)).rejects.toThrow(/ended before the response was complete/);
  });

  it("ends the client's stream with an error, never a clean finish, when response.failed comes after the first byte", async () => {
    responses.enqueue({ type: 'response', output: [{ type: 'text', text: 'one two three four' }], failAfterEvents: { after: 6, code: 'server_error', message: 'The model crashed.' } });
    const response = await fetch(`${running.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'failover', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    const events = (await response.text()).trim().split('\n\n').map((event) => event.replace(/^data: /, ''));
    expect(events).not.toContain('[DONE]');
    const chunks = events.map((event) => JSON.parse(event) as Record<string, unknown>);
    const choices = chunks.slice(0, -1).map((chunk) => (chunk['choices'] as Array<{ delta: { content?: string }; finish_reason: string | null }>)[0]);
    expect(choices.map((choice) => choice?.delta.content ?? '').join('')).toBe('one two ');
    expect(choices.every((choice) => choice?.finish_reason == null)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ error: { message: expect.stringContaining('The model crashed.') } });
    expect(chatUpstream.requests).toHaveLength(0);
  });
});
