import type OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { conversationKey } from '../../src/routing/policies/sticky/conversation-key.js';
import { createChatRequest } from '../../src/spec/create-chat-request.js';
import { defaultReply, startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { openaiClient, streamedTrace, traceOf } from '../support/policy-test-helpers.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * The `sticky` policy through the real server: a conversation stays on the model that served its
 * previous turn (where its prompt cache is) while that is recent, whatever the wrapped policy
 * would choose now; a new conversation, or one idle past `ttl_ms`, is decided by the wrapped policy.
 * Here the wrapped policy is `fallback: [first, second]`, so a conversation lands on `second` only
 * when `first` failed on its opening turn, and without stickiness every later turn would go back
 * to `first`.
 */

let upstream: FakeUpstream;
let running: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  running = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
models:
  first:  { provider: fake, model: first-wire,  price: { input: 1, output: 2 }, context_window: 128000 }
  second: { provider: fake, model: second-wire, price: { input: 3, output: 6 }, context_window: 128000 }
routers:
  chat:
    default: { sticky: { target: { fallback: [first, second] }, ttl_ms: 1500 } }
  plain:
    default: { fallback: [first, second] }
  sessions:
    default: { sticky: { target: { fallback: [first, second] }, key: { metadata: session } } }
`);
  client = openaiClient(running);
});

afterAll(async () => {
  await running?.close();
  await upstream?.close();
});

beforeEach(() => {
  upstream.respond((request) => ({ type: 'completion', text: defaultReply(String(request.body?.['model'])) }));
});

/** Plays a conversation of `turns` user turns on `router`, the first turn's `first-wire` call failing; returns the model of each turn. */
async function converse(router: string, opening: string, turns: number, options: { stream?: boolean } = {}): Promise<string[]> {
  upstream.enqueue({ type: 'error', status: 500, message: 'first is down for this turn' });
  const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: 'You are terse.' }];
  const served: string[] = [];
  for (let turn = 1; turn <= turns; turn++) {
    messages.push({ role: 'user', content: turn === 1 ? opening : `follow-up ${turn}` });
    let answer: string;
    if (options.stream) {
      const { data, response } = await client.chat.completions.create({ model: router, messages, stream: true }).withResponse();
      answer = '';
      for await (const chunk of data) answer += chunk.choices[0]?.delta.content ?? '';
      served.push((await streamedTrace(running, response)).model ?? '');
    } else {
      const { data, response } = await client.chat.completions.create({ model: router, messages }).withResponse();
      answer = data.choices[0]?.message.content ?? '';
      served.push(traceOf(running, response).model ?? '');
    }
    messages.push({ role: 'assistant', content: answer });
  }
  return served;
}

describe('sticky', () => {
  it('keeps a five-turn conversation on the model that served its first turn; without it, turns go back to the first choice', async () => {
    expect(await converse('chat', 'Plan a trip to Vienna.', 5)).toEqual(['second', 'second', 'second', 'second', 'second']);
    expect(await converse('plain', 'Plan a trip to Vienna.', 5)).toEqual(['second', 'first', 'first', 'first', 'first']);
  });

  it('keeps a streamed conversation too', async () => {
    expect(await converse('chat', 'Plan a trip to Graz.', 3, { stream: true })).toEqual(['second', 'second', 'second']);
  });

  it('says in the Decision whether it kept the conversation, and on which model', async () => {
    await converse('chat', 'Plan a trip to Linz.', 1);
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Plan a trip to Linz.' },
      { role: 'assistant', content: 'Sure.' },
      { role: 'user', content: 'And the budget?' },
    ];
    const kept = await client.chat.completions.create({ model: 'chat', messages }).withResponse();
    const keptDecision = traceOf(running, kept.response).decision;
    expect(keptDecision.policy).toBe('sticky');
    expect(keptDecision.sticky).toEqual({ conversation: expect.stringMatching(/^[\w-]{16}$/), outcome: 'kept', model: 'second' });
    expect(keptDecision.candidates.map((candidate) => candidate.model)).toEqual(['second', 'first']);

    const fresh = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'Something else entirely.' }] }).withResponse();
    const freshDecision = traceOf(running, fresh.response).decision;
    expect(freshDecision.sticky).toEqual({ conversation: expect.any(String), outcome: 'new' });
    expect(freshDecision.sticky?.conversation).not.toBe(keptDecision.sticky?.conversation);
    expect(traceOf(running, fresh.response).model).toBe('first');
  });

  it('lets the wrapped policy decide again once the conversation was idle past ttl_ms', async () => {
    expect(await converse('chat', 'Plan a trip to Salzburg.', 2)).toEqual(['second', 'second']);
    await new Promise((resolve) => setTimeout(resolve, 1_700));
    const { response } = await client.chat.completions
      .create({ model: 'chat', messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Plan a trip to Salzburg.' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'more' }] })
      .withResponse();
    expect(traceOf(running, response).decision.sticky?.outcome).toBe('new');
    expect(traceOf(running, response).model).toBe('first');
  });

  it('names a conversation by a metadata value when configured, whatever its opening', async () => {
    upstream.enqueue({ type: 'error', status: 500, message: 'first is down for this turn' });
    const opening = await client.chat.completions.create({ model: 'sessions', messages: [{ role: 'user', content: 'one' }], metadata: { session: 's-1' } }).withResponse();
    expect(traceOf(running, opening.response).model).toBe('second');
    const later = await client.chat.completions.create({ model: 'sessions', messages: [{ role: 'user', content: 'a different opening' }], metadata: { session: 's-1' } }).withResponse();
    expect(traceOf(running, later.response).model).toBe('second');
    const other = await client.chat.completions.create({ model: 'sessions', messages: [{ role: 'user', content: 'one' }], metadata: { session: 's-2' } }).withResponse();
    expect(traceOf(running, other.response).model).toBe('first');
  });
});

describe('conversationKey', () => {
  const turn = (...users: string[]) =>
    createChatRequest('chat', [{ role: 'system', content: 'S' }, ...users.flatMap((content, index) => [{ role: 'user' as const, content }, ...(index < users.length - 1 ? [{ role: 'assistant' as const, content: 'a' }] : [])])]);

  it('is the same for every turn of a conversation, different for another opening or router, and never shows the text', () => {
    const key = conversationKey(turn('hello there'), { type: 'prefix' });
    expect(conversationKey(turn('hello there', 'next', 'and more'), { type: 'prefix' })).toBe(key);
    expect(conversationKey(turn('hello elsewhere'), { type: 'prefix' })).not.toBe(key);
    expect(conversationKey({ ...turn('hello there'), model: 'other' }, { type: 'prefix' })).not.toBe(key);
    expect(key).not.toContain('hello');
  });
});
