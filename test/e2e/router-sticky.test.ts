import type OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultReply, startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../support/fake-openai-upstream.js';
import { openaiClient, traceOf, usd } from '../support/policy-test-helpers.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

/**
 * A router's `sticky`: a conversation whose prompt grows past a `min_tokens` rule would move to
 * another model mid-way and throw away the prompt cache its first model holds. With `sticky` it
 * stays, and pays cache reads for its prefix; the test prices both runs from the traces.
 *
 * The fake upstream plays a prompt cache per model: every message weighs 1,000 prompt tokens, and
 * the leading messages a model saw in its previous request are read from its cache.
 */

const PRICE = { small: { input: 1, cached: 0.1, output: 2 }, big: { input: 3, cached: 0.3, output: 15 } };
const PER_MESSAGE = 1_000;

let upstream: FakeUpstream;
let running: TestGateway;
let client: OpenAI;

/** The previous request's messages, per wire model. */
const seen = new Map<string, string[]>();

function cachedAnswer(request: RecordedRequest) {
  const model = String(request.body?.['model']);
  const messages = (request.body?.['messages'] as unknown[]).map((message) => JSON.stringify(message));
  const before = seen.get(model) ?? [];
  let shared = 0;
  while (shared < messages.length && shared < before.length && messages[shared] === before[shared]) shared++;
  seen.set(model, messages);
  return { type: 'completion' as const, text: defaultReply(model), usage: { prompt_tokens: messages.length * PER_MESSAGE, completion_tokens: 10, cached_tokens: shared * PER_MESSAGE } };
}

const routes = `
    routes:
      urgent: { when: { keywords: [urgent] }, target: big, override_sticky: true }
      long:   { when: { min_tokens: 60 }, target: big }
    default: small`;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.respond(cachedAnswer);
  running = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 } }
models:
  small: { provider: fake, model: small-wire, price: { input: ${PRICE.small.input}, cached_input: ${PRICE.small.cached}, output: ${PRICE.small.output} }, context_window: 128000 }
  big:   { provider: fake, model: big-wire,   price: { input: ${PRICE.big.input}, cached_input: ${PRICE.big.cached}, output: ${PRICE.big.output} }, context_window: 128000 }
routers:
  agent:
    sticky: { ttl_ms: 60000 }${routes}
  plain:${routes}
`);
  client = openaiClient(running);
});

afterAll(async () => {
  await running?.close();
  await upstream?.close();
});

/** Plays `turns` user turns of about 20 tokens each on `router`; the model, cost and stickiness of each. */
async function converse(router: string, opening: string, turns: number, urgentAt?: number) {
  seen.clear();
  const messages: ChatCompletionMessageParam[] = [];
  const played: { model: string | null; costUsd: number | undefined; sticky: string | undefined }[] = [];
  for (let turn = 1; turn <= turns; turn++) {
    const words = 'cat '.repeat(18).trim();
    messages.push({ role: 'user', content: `${turn === 1 ? opening : 'next'} ${turn === urgentAt ? 'urgent ' : ''}${words}` });
    const { data, response } = await client.chat.completions.create({ model: router, messages }).withResponse();
    const trace = traceOf(running, response);
    played.push({ model: trace.model, costUsd: trace.costUsd, sticky: trace.decision.sticky?.outcome });
    messages.push({ role: 'assistant', content: data.choices[0]?.message.content ?? '' });
  }
  return played;
}

describe("a router's sticky", () => {
  it('keeps a growing conversation on its first model, which costs less than moving it when the prompt passes min_tokens', async () => {
    const plain = await converse('plain', 'Refactor the parser.', 5);
    const sticky = await converse('agent', 'Refactor the parser.', 5);
    expect(plain.map((turn) => turn.model)).toEqual(['small', 'big', 'big', 'big', 'big']);
    expect(sticky.map((turn) => turn.model)).toEqual(['small', 'small', 'small', 'small', 'small']);
    expect(sticky.map((turn) => turn.sticky)).toEqual(['new', 'kept', 'kept', 'kept', 'kept']);

    // Turn 5 by hand: 9 messages, the first 7 read from the cache of the model that saw them.
    const fifth = usd(9 * PER_MESSAGE - 7 * PER_MESSAGE, 10, PRICE.small.input, PRICE.small.output) + usd(7 * PER_MESSAGE, 0, PRICE.small.cached, 0);
    expect(sticky[4]?.costUsd).toBeCloseTo(fifth, 12);
    const total = (played: { costUsd: number | undefined }[]): number => played.reduce((sum, turn) => sum + (turn.costUsd as number), 0);
    expect(total(sticky)).toBeLessThan(total(plain));
  });

  it('lets a route marked override_sticky decide, and the model that served then holds the conversation', async () => {
    const played = await converse('agent', 'Fix the build.', 4, 3);
    expect(played.map((turn) => turn.model)).toEqual(['small', 'small', 'big', 'big']);
    expect(played.map((turn) => turn.sticky)).toEqual(['new', 'kept', 'overridden', 'kept']);
  });

  it('shows in the Decision which model keeps the conversation, first in the plan and followed by the route\'s own', async () => {
    await converse('agent', 'Plan the release.', 1);
    const messages: ChatCompletionMessageParam[] = [
      { role: 'user', content: `Plan the release. ${'cat '.repeat(18).trim()}` },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'x '.repeat(80) },
    ];
    const { response } = await client.chat.completions.create({ model: 'agent', messages }).withResponse();
    const decision = traceOf(running, response).decision;
    expect(decision.route).toBe('long');
    expect(decision.sticky).toEqual({ conversation: expect.any(String), outcome: 'kept', model: 'small' });
    expect(decision.candidates.map((candidate) => candidate.model)).toEqual(['small', 'big']);
  });
});
