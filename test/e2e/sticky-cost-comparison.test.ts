import type OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { openaiClient, traceOf } from '../support/policy-test-helpers.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';
import { tinyRouterFile } from '../support/tiny-router-file.js';

/**
 * A sticky router whose route runs `cheapest_above`: the model holding a conversation's prompt
 * cache is priced with the share of the prompt it holds at its cache-read price, and keeps the
 * conversation only if that makes it no dearer than the policy's own choice. Both routers below
 * choose `cheap` on price alone; the conversation is held by the pricier model (the cheap one
 * failed its first turn), whose cache reads are cheap in one router and barely discounted in the other.
 */

let upstream: FakeUpstream;
let running: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  // Every model scores 1: each clears the bound (min_quality 0 below).
  const classifier = JSON.stringify(tinyRouterFile(['cheap', 'cachey', 'pricey'], () => 1));
  running = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
models:
  cheap:  { provider: fake, model: cheap-wire,  price: { input: 1, output: 1 } }
  cachey: { provider: fake, model: cachey-wire, price: { input: 2, cached_input: 0.1, output: 1 } }
  pricey: { provider: fake, model: pricey-wire, price: { input: 2, cached_input: 1.8, output: 1 } }
routers:
  cached_reads_win:
    classifier: { type: trained, path: ${classifier} }
    sticky: {}
    default: { cheapest_above: { models: [cheap, cachey], min_quality: 0 } }
  full_price_wins:
    classifier: { type: trained, path: ${classifier} }
    sticky: {}
    default: { cheapest_above: { models: [cheap, pricey], min_quality: 0 } }
`);
  client = openaiClient(running);
});

afterAll(async () => {
  await running?.close();
  await upstream?.close();
});

/** Two turns: the first served by the pricier model (the cheap one fails), the second decided with the cache in mind. */
async function secondTurn(router: string) {
  upstream.enqueue({ type: 'error', status: 500, message: 'cheap is down for this turn' });
  const opening = `Review this design document for ${router}. ${'It has many sections. '.repeat(40)}`;
  const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: opening }];
  const first = await client.chat.completions.create({ model: router, messages }).withResponse();
  messages.push({ role: 'assistant', content: first.data.choices[0]?.message.content ?? '' }, { role: 'user', content: 'And the risks?' });
  const second = await client.chat.completions.create({ model: router, messages }).withResponse();
  return { first: traceOf(running, first.response), second: traceOf(running, second.response) };
}

describe('a sticky router over cheapest_above', () => {
  it('keeps the conversation on the holder when its cache reads make it the cheaper one, showing the prices', async () => {
    const { first, second } = await secondTurn('cached_reads_win');
    expect(first.model).toBe('cachey');
    expect(second.model).toBe('cachey');
    const sticky = second.decision.sticky;
    expect(sticky).toMatchObject({ outcome: 'kept', model: 'cachey' });
    expect(sticky?.prices?.['cheap']).toBe(1);
    expect(sticky?.prices?.['cachey']).toBeLessThan(1);
  });

  it('moves it to the policy\'s choice when the holder stays dearer even with its cache', async () => {
    const { first, second } = await secondTurn('full_price_wins');
    expect(first.model).toBe('pricey');
    expect(second.model).toBe('cheap');
    const sticky = second.decision.sticky;
    expect(sticky).toMatchObject({ outcome: 'moved', model: 'pricey' });
    expect(sticky?.prices?.['pricey']).toBeGreaterThan(sticky?.prices?.['cheap'] as number);
  });
});
