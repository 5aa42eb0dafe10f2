import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCost } from '../../src/cost/compute-cost.js';
import { startFakeAnthropicUpstream, type FakeAnthropicUpstream } from '../support/fake-anthropic-upstream.js';
import { startFakeGeminiUpstream, type FakeGeminiUpstream } from '../support/fake-gemini-upstream.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startFakeResponsesUpstream, type FakeResponsesUpstream } from '../support/fake-responses-upstream.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * One Responses API request, sent with the `openai` client's `responses.create`, served by each of
 * four wire formats behind the gateway: an OpenAI Chat Completions model, an Anthropic Messages
 * model, a native Gemini model and a Responses-only model (`api: responses`). Each answer comes back
 * as a well-formed Response, JSON and streamed, with usage and its cost.
 */

const KEY = 'gw-key-any-target-0123456789';
const GEMINI_KEY = 'AIzaSyFake-Gemini-Key_0123456789abcdef';

let chat: FakeUpstream;
let anthropic: FakeAnthropicUpstream;
let gemini: FakeGeminiUpstream;
let responses: FakeResponsesUpstream;
let running: TestGateway;
let client: OpenAI;

/** USD per million tokens, input and output, of every target (none has a cached price, so cost is usage × these). */
const PRICE = { input: 2, output: 8 };

beforeAll(async () => {
  [chat, anthropic, gemini, responses] = await Promise.all([
    startFakeUpstream(),
    startFakeAnthropicUpstream(),
    startFakeGeminiUpstream({ apiKey: GEMINI_KEY }),
    startFakeResponsesUpstream(),
  ]);
  const reliable = 'retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 }';
  const price = `price: { input: ${PRICE.input}, output: ${PRICE.output} }, context_window: 128000`;
  running = await startGateway(`
server:
  api_keys: ["${KEY}"]
providers:
  chat: { type: openai, base_url: "${chat.url}", api_key: "sk-chat-0000", ${reliable} }
  claude: { type: anthropic, base_url: "${anthropic.url}", api_key: "sk-ant-0000", prompt_caching: off, ${reliable} }
  google: { type: gemini, base_url: "${gemini.url}/v1beta", api_key: "${GEMINI_KEY}", ${reliable} }
  resp: { type: openai, api: responses, base_url: "${responses.url}", api_key: "sk-resp-0000", ${reliable} }
models:
  via-chat: { provider: chat, model: chat-wire, ${price} }
  via-anthropic: { provider: claude, model: claude-wire, ${price} }
  via-gemini: { provider: google, model: gemini-wire, ${price} }
  via-responses: { provider: resp, model: responses-wire, ${price} }
`);
  client = new OpenAI({ baseURL: running.baseURL, apiKey: KEY, maxRetries: 0 });
});

afterAll(async () => {
  await running?.close();
  await Promise.all([chat?.close(), anthropic?.close(), gemini?.close(), responses?.close()]);
});

const TARGETS = [
  { model: 'via-chat', wire: 'chat-wire', calls: (): number => chat.requestsFor('chat-wire').length },
  { model: 'via-anthropic', wire: 'claude-wire', calls: (): number => anthropic.requestsFor('claude-wire').length },
  { model: 'via-gemini', wire: 'gemini-wire', calls: (): number => gemini.requestsFor('gemini-wire').length },
  { model: 'via-responses', wire: 'responses-wire', calls: (): number => responses.requestsFor('responses-wire').length },
];

const REQUEST = {
  instructions: 'Answer in one sentence.',
  input: [{ role: 'user' as const, content: 'What is the capital of Japan?' }],
  max_output_tokens: 200,
  metadata: { case: 'any-target' },
};

/** The trace the gateway recorded for a request, by the trace id its answer named. */
function traceOf(traceId: string | null): ReturnType<TestGateway['gateway']['traces']['list']>[number] {
  const trace = running.gateway.traces.list().find((candidate) => candidate.id === traceId);
  if (!trace) throw new Error(`no trace ${traceId}`);
  return trace;
}

function expectWellFormed(response: OpenAI.Responses.Response, model: string): void {
  expect(response).toMatchObject({ object: 'response', status: 'completed', model, error: null, instructions: REQUEST.instructions, metadata: REQUEST.metadata });
  expect(response.id).toMatch(/^resp_/);
  const messages = response.output.filter((item) => item.type === 'message');
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ role: 'assistant', status: 'completed', content: [expect.objectContaining({ type: 'output_text', annotations: [] })] });
  expect(response.output_text).toMatch(/^Reply from .*\.$/);
  const usage = response.usage;
  expect(usage?.input_tokens).toBeGreaterThan(0);
  expect(usage?.output_tokens).toBeGreaterThan(0);
  expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0));
  expect(usage?.input_tokens_details.cached_tokens).toBe(0);
}

/** What the usage costs at PRICE. */
const costOf = (usage: OpenAI.Responses.ResponseUsage | undefined): number => ((usage?.input_tokens ?? 0) * PRICE.input + (usage?.output_tokens ?? 0) * PRICE.output) / 1e6;

describe.each(TARGETS)('a Responses request served by $model', ({ model, wire, calls }) => {
  it('JSON: a well-formed Response with usage, its cost in the header and on the trace', async () => {
    const before = calls();
    const { data, response } = await client.responses.create({ model, ...REQUEST }).withResponse();
    expect(calls()).toBe(before + 1);
    expectWellFormed(data, model);
    expect(data.output_text).toContain(wire);
    const trace = traceOf(response.headers.get('x-switchyard-trace-id'));
    expect(trace).toMatchObject({ status: 'ok', model, stream: false });
    expect(trace.costUsd).toBeCloseTo(costOf(data.usage), 12);
    expect(response.headers.get('x-switchyard-model')).toBe(model);
    expect(response.headers.get('x-switchyard-cost-usd')).toBe(formatCost(trace.costUsd ?? NaN));
  });

  it('stream: typed events in order, ending with response.completed carrying usage, priced on the trace', async () => {
    const before = calls();
    const { data: stream, response } = await client.responses.create({ model, ...REQUEST, stream: true }).withResponse();
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(calls()).toBe(before + 1);
    expect(events[0]?.type).toBe('response.created');
    expect(events.at(-1)?.type).toBe('response.completed');
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const text = events.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : [])).join('');
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expectWellFormed({ ...completed.response, output_text: text }, model);
    expect(completed.response.output[0]).toMatchObject({ type: 'message', content: [expect.objectContaining({ text })] });
    const trace = traceOf(response.headers.get('x-switchyard-trace-id'));
    expect(trace).toMatchObject({ status: 'ok', model, stream: true });
    expect(trace.costUsd).toBeCloseTo(costOf(completed.response.usage), 12);
  });
});
