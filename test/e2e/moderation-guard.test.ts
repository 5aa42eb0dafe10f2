import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { Trace } from '../../src/spec/trace.js';
import { defaultReply, startFakeUpstream, type FakeResponse, type FakeUpstream, type RecordedRequest } from '../support/fake-openai-upstream.js';
import { openaiClient, traceOf } from '../support/policy-test-helpers.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * Routers with `guard: { type: moderation }` in front of the fake upstream, whose `/v1/moderations`
 * is scripted by the words of the inputs: "kill" is flagged `violence`, "hurt myself" `self-harm` and
 * `self-harm/intent`, "idiot" `harassment` only, "borderline" scores `violence` 0.4 unflagged,
 * "stall" never answers in time, "garble" is not a moderation, "broken" is a 500.
 */

const BLOCKED = 'Blocked by moderation.';
const KEY = 'sk-test-secret-key-123456';

let upstream: FakeUpstream;
let running: TestGateway;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const guard = (fields: string, model = 'mod') => `{ type: moderation, model: ${model}, categories: [violence, self-harm/intent], ${fields} }`;
  running = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "${KEY}", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
models:
  cheap:  { provider: fake, model: cheap-wire,  price: { input: 0.15, output: 0.6 }, context_window: 128000 }
  strong: { provider: fake, model: strong-wire, price: { input: 3, output: 15 }, context_window: 200000 }
  mod:    { from: omni-moderation-latest, provider: fake }
  paid:   { provider: fake, model: paid-moderation, price: { input: 1, output: 0 }, context_window: 32768 }
routers:
  guarded:
    guard: ${guard(`on_unsafe: block, block_message: "${BLOCKED}", timeout_ms: 1000, fail: closed`)}
    routes:
      poems: { when: { keywords: [poem] }, target: strong }
    default: cheap
  strict:
    guard: ${guard('on_unsafe: block, threshold: 0.3, fail: closed')}
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
  priced:
    guard: ${guard('on_unsafe: block, fail: closed', 'paid')}
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
  if (!request.path.endsWith('/moderations')) return { type: 'completion', text: defaultReply(String(request.body?.['model'])) };
  const input = JSON.stringify(request.body?.['input']);
  if (input.includes('kill')) return { type: 'moderation', flagged: ['violence'] };
  if (input.includes('hurt myself')) return { type: 'moderation', flagged: ['self-harm', 'self-harm/intent'] };
  if (input.includes('idiot')) return { type: 'moderation', flagged: ['harassment'] };
  if (input.includes('borderline')) return { type: 'moderation', scores: { violence: 0.4 } };
  if (input.includes('stall')) return { type: 'moderation', delayMs: 1_500 };
  if (input.includes('garble')) return { type: 'raw', status: 200, body: JSON.stringify({ results: [{ flagged: false }] }) };
  if (input.includes('broken')) return { type: 'error', status: 500, message: 'moderation is down' };
  return { type: 'moderation' };
}

const ask = (router: string, content: string) => openaiClient(running).chat.completions.create({ model: router, messages: [{ role: 'user', content }] }).withResponse();
const paths = () => upstream.requests.map((request) => `${request.path} ${String(request.body?.['model'])}`);
const roles = (trace: Trace) => trace.attempts.map((attempt) => [attempt.role, attempt.model, attempt.outcome]);

describe('a moderation endpoint as the safety guard', () => {
  it('blocks a flagged prompt, with its categories in the Decision and the guard call, free as the catalog says, in the trace', async () => {
    const { data, response } = await ask('guarded', 'How do I kill the lights?');
    expect(data.choices[0]?.message.content).toBe(BLOCKED);
    expect(data.choices[0]?.finish_reason).toBe('content_filter');
    expect(paths()).toEqual(['/v1/moderations omni-moderation-latest']);
    const trace = traceOf(running, response);
    expect(trace.status).toBe('blocked');
    expect(trace.decision).toMatchObject({ policy: 'block', block: { message: BLOCKED }, candidates: [] });
    expect(trace.decision.guard).toMatchObject({ model: 'mod', outcome: 'unsafe', categories: ['violence'], passed: false });
    // The scores of the categories the router counts, to tune a threshold by.
    expect(trace.decision.guard?.scores).toEqual({ violence: 0.9, 'self-harm/intent': 0.01 });
    expect(roles(trace)).toEqual([['guard', 'mod', 'ok']]);
    // The endpoint reports no usage: the gateway counts the input, and the free model costs 0 (not unknown).
    expect(trace.attempts[0]?.usage).toMatchObject({ outputTokens: 0, estimated: true });
    expect(trace.attempts[0]?.usage?.inputTokens).toBeGreaterThan(0);
    expect(trace.attempts[0]?.costUsd).toBe(0);
    expect(trace.costUsd).toBe(0);
  });

  it('sends every user turn as an input, with the provider key, and nothing else of the conversation', async () => {
    await openaiClient(running).chat.completions.create({
      model: 'guarded',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello there' },
        { role: 'assistant', content: 'Hi! How can I help?' },
        { role: 'user', content: [{ type: 'text', text: 'Write a poem' }] },
      ],
    });
    const sent = upstream.requests.find((request) => request.path.endsWith('/moderations'));
    expect(sent?.body).toEqual({ model: 'omni-moderation-latest', input: ['Hello there', 'Write a poem'] });
    expect(sent?.headers['authorization']).toBe(`Bearer ${KEY}`);
  });

  it('blocks a prompt flagged in an earlier user turn', async () => {
    const { data } = await openaiClient(running)
      .chat.completions.create({
        model: 'guarded',
        messages: [
          { role: 'user', content: 'I want to hurt myself' },
          { role: 'assistant', content: 'Tell me more.' },
          { role: 'user', content: 'Write a poem' },
        ],
      })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe(BLOCKED);
  });

  it('routes an unflagged prompt as usual, the verdict in the Decision and the guard call first in the trace', async () => {
    const { data, response } = await ask('guarded', 'Write a poem about rain');
    expect(data.choices[0]?.message.content).toBe(defaultReply('strong-wire'));
    expect(paths()).toEqual(['/v1/moderations omni-moderation-latest', '/v1/chat/completions strong-wire']);
    const trace = traceOf(running, response);
    expect(trace.decision).toMatchObject({ route: 'poems', block: null });
    expect(trace.decision.guard).toMatchObject({ model: 'mod', outcome: 'safe', categories: [], passed: true });
    expect(trace.decision.guard).not.toHaveProperty('ignored');
    expect(roles(trace)).toEqual([
      ['guard', 'mod', 'ok'],
      ['answer', 'strong', 'ok'],
    ]);
  });

  it('counts only the router\'s categories: one flagged for another passes, and the Decision names it', async () => {
    const { data, response } = await ask('guarded', 'You idiot, write a poem');
    expect(data.choices[0]?.message.content).toBe(defaultReply('strong-wire'));
    expect(traceOf(running, response).decision.guard).toMatchObject({ outcome: 'safe', categories: [], ignored: ['harassment'], passed: true });
    const flagged = await ask('guarded', 'I want to hurt myself');
    expect(traceOf(running, flagged.response).decision.guard).toMatchObject({ outcome: 'unsafe', categories: ['self-harm/intent'], ignored: ['self-harm'] });
  });

  it('with a threshold, blocks on a score the endpoint did not flag; without, passes it', async () => {
    const strict = await ask('strict', 'a borderline question');
    expect(strict.data.choices[0]?.message.content).toBe('This request was blocked by the safety check.');
    expect(traceOf(running, strict.response).decision.guard).toMatchObject({ outcome: 'unsafe', categories: ['violence'], scores: { violence: 0.4 }, passed: false });
    const lenient = await ask('guarded', 'a borderline question');
    expect(lenient.data.choices[0]?.message.content).toBe(defaultReply('cheap-wire'));
    expect(traceOf(running, lenient.response).decision.guard).toMatchObject({ outcome: 'safe', categories: [] });
  });

  it('sends a flagged prompt to the on_unsafe route', async () => {
    const { data, response } = await ask('redirect', 'How do I kill the lights?');
    expect(data.choices[0]?.message.content).toBe(defaultReply('strong-wire'));
    expect(response.headers.get('x-switchyard-route')).toBe('careful');
    expect(traceOf(running, response).decision.guard).toMatchObject({ outcome: 'unsafe', categories: ['violence'], passed: false });
  });

  it('blocks when the endpoint stalls past the timeout and fail is closed', async () => {
    const { data, response } = await ask('closed', 'please stall');
    expect(data.choices[0]?.message.content).toMatch(/^The request was not processed: its safety check could not run \(no answer within 300 ms\)/);
    const trace = traceOf(running, response);
    expect(trace.status).toBe('blocked');
    expect(trace.decision.guard).toMatchObject({ model: 'mod', outcome: 'timeout', passed: false });
    expect(trace.decision.guard?.latencyMs).toBeLessThan(1_400);
    // The call cut by the guard's timeout is billed and traced as a failed guard attempt.
    expect(roles(trace)).toEqual([['guard', 'mod', 'error']]);
    expect(paths()).toEqual(['/v1/moderations omni-moderation-latest']);
  });

  it('passes when the endpoint stalls past the timeout and fail is open, noting it', async () => {
    const { data, response } = await ask('open', 'please stall');
    expect(data.choices[0]?.message.content).toBe(defaultReply('cheap-wire'));
    const guard = traceOf(running, response).decision.guard;
    expect(guard).toMatchObject({ outcome: 'timeout', passed: true });
    expect(guard?.detail).toContain('passed (fail: open)');
  });

  it('follows fail when the endpoint errs or answers something that is not a moderation', async () => {
    const garbled = await ask('closed', 'garble this');
    expect(garbled.data.choices[0]?.message.content).toContain('its safety check could not run');
    expect(traceOf(running, garbled.response).decision.guard).toMatchObject({ outcome: 'error', passed: false });
    expect(traceOf(running, garbled.response).decision.guard?.detail).toContain('result 0 has no `categories` object');
    const broken = await ask('open', 'broken upstream');
    expect(broken.data.choices[0]?.message.content).toBe(defaultReply('cheap-wire'));
    expect(traceOf(running, broken.response).decision.guard).toMatchObject({ outcome: 'error', passed: true });
    expect(traceOf(running, broken.response).decision.guard?.detail).toContain('moderation is down');
    expect(JSON.stringify(traceOf(running, broken.response))).not.toContain(KEY);
  });

  it('bills a moderation model with a price at its price, from the input estimated at four characters a token', async () => {
    const { response } = await ask('priced', 'How do I kill the lights?');
    const attempt = traceOf(running, response).attempts[0];
    // 25 characters: 7 tokens at $1 per 1M.
    expect(attempt).toMatchObject({ role: 'guard', model: 'paid', outcome: 'ok', usage: { inputTokens: 7, outputTokens: 0, estimated: true } });
    expect(attempt?.costUsd).toBeCloseTo(7e-6, 12);
  });

  it('answers a blocked prompt in Anthropic\'s shape through @anthropic-ai/sdk', async () => {
    const client = new Anthropic({ baseURL: running.url, apiKey: 'x', maxRetries: 0 });
    const blocked = await client.messages.create({ model: 'guarded', max_tokens: 10, messages: [{ role: 'user', content: 'How do I kill the lights?' }] });
    expect(blocked).toMatchObject({ model: 'switchyard/blocked', stop_reason: 'refusal', content: [{ type: 'text', text: BLOCKED }] });
  });

  it('does not list or serve a moderation model as a chat model', async () => {
    const ids = (await openaiClient(running).models.list()).data.map((model) => model.id);
    expect(ids).toContain('cheap');
    expect(ids).not.toContain('mod');
    const error = await openaiClient(running)
      .chat.completions.create({ model: 'mod', messages: [{ role: 'user', content: 'Hi' }] })
      .then(() => undefined, (caught: unknown) => caught as { status?: number; message?: string });
    expect(error?.message).toContain('"mod" is a moderation model (a router\'s `guard: { type: moderation }`), not a chat model');
    const embedding = await openaiClient(running)
      .embeddings.create({ model: 'mod', input: 'Hi' })
      .then(() => undefined, (caught: unknown) => caught as { status?: number; message?: string });
    expect(embedding?.message).toContain('"mod" is a moderation model (a router\'s `guard: { type: moderation }`), not an embedding model');
    expect(paths()).toEqual([]);
  });
});

describe('a moderation guard at a provider without a moderation endpoint', () => {
  it('does not start, and says why', async () => {
    const config = parseConfig(
      `
providers:
  claude: { type: anthropic, base_url: "http://127.0.0.1:1", api_key: "sk-ant-test" }
models:
  haiku: { provider: claude, model: claude-haiku-4-5, price: { input: 1, output: 5 } }
routers:
  r:
    guard: { type: moderation, model: haiku, on_unsafe: block, categories: [violence], fail: closed }
    default: haiku
`,
      'test.yaml',
      { env: {} },
    );
    await expect(Gateway.create(config)).rejects.toThrow('model "haiku" is a moderation guard, and its provider "claude" has no moderation endpoint');
  });
});
