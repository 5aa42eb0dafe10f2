import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../../src/spec/trace.js';
import { defaultReply, startFakeUpstream, type FakeResponse, type FakeUpstream, type RecordedRequest } from '../support/fake-openai-upstream.js';
import { openaiClient, traceOf } from '../support/policy-test-helpers.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * Routers with a safety guard in front of the fake upstream: the guard model (wire id `guard-wire`)
 * plays Llama Guard, scripted by the words of the prompt it is shown: "steal" is `unsafe\nS2`,
 * "stall" never answers in time, "garble" is not a verdict, anything else is `safe`.
 */

const GUARD = 'guard-wire';
const BLOCKED = 'Blocked by the safety check.';

let upstream: FakeUpstream;
let running: TestGateway;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const guard = (fields: string) => `{ model: guard, categories: [S1, S2], ${fields} }`;
  running = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
models:
  cheap:  { provider: fake, model: cheap-wire,  price: { input: 0.15, output: 0.6 }, context_window: 128000 }
  strong: { provider: fake, model: strong-wire, price: { input: 3, output: 15 }, context_window: 200000 }
  guard:  { provider: fake, model: ${GUARD},    price: { input: 0.2, output: 0.2 }, context_window: 128000 }
routers:
  guarded:
    reference: strong
    guard: ${guard(`on_unsafe: block, block_message: "${BLOCKED}", timeout_ms: 1000, fail: closed`)}
    routes:
      poems: { when: { keywords: [poem] }, target: strong }
    default: cheap
  violent_only:
    guard: { model: guard, on_unsafe: block, categories: [S1], fail: closed }
    default: cheap
  redirect:
    guard: ${guard('on_unsafe: { route: careful }, fail: closed')}
    routes:
      careful: { when: { keywords: [never-matches-anything] }, target: strong }
    default: cheap
  closed:
    guard: ${guard('on_unsafe: block, timeout_ms: 300, fail: closed')}
    default: cheap
  open:
    guard: ${guard('on_unsafe: block, timeout_ms: 300, fail: open')}
    default: cheap
`);
  upstream.respond(scripted);
});

afterAll(async () => {
  await running?.close();
  await upstream?.close();
});

afterEach(() => {
  upstream.requests.length = 0;
});

function scripted(request: RecordedRequest): FakeResponse {
  const model = String(request.body?.['model']);
  if (model !== GUARD) return { type: 'completion', text: defaultReply(model) };
  const prompt = JSON.stringify(request.body?.['messages']);
  if (prompt.includes('steal')) return { type: 'completion', text: 'unsafe\nS2', usage: { prompt_tokens: 300, completion_tokens: 4 } };
  if (prompt.includes('stall')) return { type: 'completion', text: 'safe', delayMs: 1_500 };
  if (prompt.includes('garble')) return { type: 'completion', text: 'Looks fine to me!' };
  return { type: 'completion', text: 'safe', usage: { prompt_tokens: 300, completion_tokens: 1 } };
}

const ask = (router: string, content: string) => openaiClient(running).chat.completions.create({ model: router, messages: [{ role: 'user', content }] }).withResponse();
/** The Decision's fields in their documented order (test/policies/policy-conformance.test.ts), `guard` after them. */
const DECISION_FIELDS = ['requested', 'router', 'route', 'signals', 'policy', 'prediction', 'classification', 'similarity', 'balance', 'candidates', 'filtered', 'block', 'system', 'reference', 'guard'];
const wireModels = () => upstream.requests.map((request) => request.body?.['model']);
const roles = (trace: Trace) => trace.attempts.map((attempt) => [attempt.role, attempt.model, attempt.outcome]);

describe('a safety guard before routing', () => {
  it('blocks an unsafe prompt through the openai client, with its category and the billed guard call in the trace', async () => {
    const { data, response } = await ask('guarded', 'How do I steal a car?');
    expect(data.choices[0]?.message.content).toBe(BLOCKED);
    expect(data.choices[0]?.finish_reason).toBe('content_filter');
    expect(wireModels()).toEqual([GUARD]);
    const trace = traceOf(running, response);
    expect(trace.status).toBe('blocked');
    expect(trace.decision).toMatchObject({ policy: 'block', block: { message: BLOCKED }, candidates: [] });
    expect(Object.keys(trace.decision)).toEqual(DECISION_FIELDS);
    expect(trace.decision.guard).toMatchObject({ model: 'guard', outcome: 'unsafe', categories: ['S2'], passed: false });
    expect(trace.decision.guard?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(roles(trace)).toEqual([['guard', 'guard', 'ok']]);
    // 300 input and 4 output tokens at $0.2 per 1M each.
    expect(trace.attempts[0]?.costUsd).toBeCloseTo(304 * 0.2e-6, 12);
    expect(trace.costUsd).toBeCloseTo(304 * 0.2e-6, 12);
  });

  it('streams the block message to a streaming client, and routes its safe stream after the guard', async () => {
    const read = async (content: string) => {
      const stream = await openaiClient(running).chat.completions.create({ model: 'guarded', messages: [{ role: 'user', content }], stream: true });
      let text = '';
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      return { text, finish };
    };
    expect(await read('How do I steal a car?')).toEqual({ text: BLOCKED, finish: 'content_filter' });
    expect(await read('Write a poem')).toEqual({ text: defaultReply('strong-wire'), finish: 'stop' });
    expect(wireModels()).toEqual([GUARD, GUARD, 'strong-wire']);
  });

  it('sends the conversation to the guard in Llama Guard 3\'s template, assistant turns as Agent', async () => {
    await openaiClient(running).chat.completions.create({
      model: 'guarded',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello there' },
        { role: 'assistant', content: 'Hi! How can I help?' },
        { role: 'user', content: 'Write a poem' },
      ],
    });
    const sent = upstream.requestsFor(GUARD)[0]?.body;
    expect(sent?.['temperature']).toBe(0);
    const messages = sent?.['messages'] as Array<{ role: string; content: string }>;
    expect(messages).toHaveLength(1);
    expect(messages[0]?.role).toBe('user');
    expect(messages[0]?.content).toContain('<BEGIN CONVERSATION>\n\nUser: Hello there\n\nAgent: Hi! How can I help?\n\nUser: Write a poem\n\n<END CONVERSATION>');
    expect(messages[0]?.content).toContain('S2: Non-Violent Crimes.');
    expect(messages[0]?.content).not.toContain('Be brief.');
  });

  it('routes a safe prompt as usual, the verdict in the Decision and the guard call first in the trace', async () => {
    const { data, response } = await ask('guarded', 'Write a poem about rain');
    expect(data.choices[0]?.message.content).toBe(defaultReply('strong-wire'));
    expect(wireModels()).toEqual([GUARD, 'strong-wire']);
    const trace = traceOf(running, response);
    expect(trace.decision).toMatchObject({ route: 'poems', block: null });
    expect(Object.keys(trace.decision)).toEqual(DECISION_FIELDS);
    expect(trace.decision.guard).toMatchObject({ model: 'guard', outcome: 'safe', categories: [], passed: true });
    expect(roles(trace)).toEqual([
      ['guard', 'guard', 'ok'],
      ['answer', 'strong', 'ok'],
    ]);
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
  });

  it('lets through a prompt flagged only for a category the router does not count, and says so', async () => {
    const { data, response } = await ask('violent_only', 'How do I steal a car?');
    expect(data.choices[0]?.message.content).toBe(defaultReply('cheap-wire'));
    expect(traceOf(running, response).decision.guard).toMatchObject({ outcome: 'safe', categories: [], ignored: ['S2'], passed: true });
  });

  it('sends an unsafe prompt to the on_unsafe route', async () => {
    const { data, response } = await ask('redirect', 'How do I steal a car?');
    expect(data.choices[0]?.message.content).toBe(defaultReply('strong-wire'));
    expect(response.headers.get('x-switchyard-route')).toBe('careful');
    expect(traceOf(running, response).decision.guard).toMatchObject({ outcome: 'unsafe', categories: ['S2'], passed: false });
  });

  it('blocks when the guard stalls past its timeout and fail is closed', async () => {
    const { data, response } = await ask('closed', 'please stall');
    expect(data.choices[0]?.message.content).toMatch(/^The request was not processed: its safety check could not run \(no answer within 300 ms\)/);
    const trace = traceOf(running, response);
    expect(trace.status).toBe('blocked');
    expect(trace.decision.guard).toMatchObject({ outcome: 'timeout', passed: false });
    expect(trace.decision.guard?.latencyMs).toBeLessThan(1_400);
    expect(wireModels()).toEqual([GUARD]);
  });

  it('passes when the guard stalls past its timeout and fail is open, noting it', async () => {
    const { data, response } = await ask('open', 'please stall');
    expect(data.choices[0]?.message.content).toBe(defaultReply('cheap-wire'));
    const guard = traceOf(running, response).decision.guard;
    expect(guard).toMatchObject({ outcome: 'timeout', passed: true });
    expect(guard?.detail).toContain('passed (fail: open)');
  });

  it('follows fail when the guard answers something that is not a verdict', async () => {
    const closed = await ask('closed', 'garble this');
    expect(closed.data.choices[0]?.message.content).toContain('its safety check could not run');
    expect(traceOf(running, closed.response).decision.guard).toMatchObject({ outcome: 'error', passed: false });
    const open = await ask('open', 'garble this');
    expect(open.data.choices[0]?.message.content).toBe(defaultReply('cheap-wire'));
    expect(traceOf(running, open.response).decision.guard?.detail).toContain('"Looks fine to me!"');
  });

  it('answers a blocked prompt in Anthropic\'s shape through @anthropic-ai/sdk, and a safe one normally', async () => {
    const client = new Anthropic({ baseURL: running.url, apiKey: 'x', maxRetries: 0 });
    const blocked = await client.messages.create({ model: 'guarded', max_tokens: 10, messages: [{ role: 'user', content: 'How do I steal a car?' }] });
    expect(blocked).toMatchObject({ model: 'switchyard/blocked', stop_reason: 'refusal', content: [{ type: 'text', text: BLOCKED }] });
    const safe = await client.messages.create({ model: 'guarded', max_tokens: 10, messages: [{ role: 'user', content: 'Say hi' }] });
    expect(safe.content).toEqual([{ type: 'text', text: defaultReply('cheap-wire') }]);
    expect(wireModels()).toEqual([GUARD, GUARD, 'cheap-wire']);
  });
});
