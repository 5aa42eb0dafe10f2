import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { startServer } from '../../src/server/create-server.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import type { TestGateway } from '../support/start-gateway.js';
import { openaiClient } from '../support/policy-test-helpers.js';

/**
 * `limits: { rpm, tpm }` on model deployments, end to end: two deployments of one model on two
 * fake upstreams under `loadbalance`; the gateway stops sending to a deployment whose provider
 * quota is full before the provider would answer 429.
 */

const A = 'gpt-x@a';
const B = 'gpt-x@b';

let upstreamA: FakeUpstream;
let upstreamB: FakeUpstream;
const gateways: TestGateway[] = [];

beforeEach(async () => {
  upstreamA = await startFakeUpstream();
  upstreamB = await startFakeUpstream();
});

afterEach(async () => {
  for (const running of gateways.splice(0)) await running.close();
  await upstreamA.close();
  await upstreamB.close();
});

/** A gateway whose router `lb` balances A and B, each with the given `limits` YAML (or none). */
async function start(limits: { a?: string; b?: string }, random?: () => number): Promise<TestGateway> {
  const yaml = `
providers:
  pa: { type: openai, base_url: "${upstreamA.url}", api_key: "sk-lim-a-12345678", retry: { max_attempts: 1 } }
  pb: { type: openai, base_url: "${upstreamB.url}", api_key: "sk-lim-b-12345678", retry: { max_attempts: 1 } }
models:
  ${A}: { provider: pa, model: gpt-x, price: { input: 1, output: 2 }, context_window: 100000 ${limits.a ? `, limits: ${limits.a}` : ''} }
  ${B}: { provider: pb, model: gpt-x, price: { input: 1, output: 2 }, context_window: 100000 ${limits.b ? `, limits: ${limits.b}` : ''} }
routers:
  lb:
    default: { loadbalance: ["${A}", "${B}"] }
`;
  const gateway = await Gateway.create(parseConfig(yaml, 'test.yaml', { env: {} }), random ? { random } : {});
  const running = await startServer(gateway, pino({ level: 'silent' }), { host: '127.0.0.1', port: 0 });
  const started = { ...running, gateway, baseURL: `${running.url}/v1` };
  gateways.push(started);
  return started;
}

const calls = (): number => upstreamA.requests.length + upstreamB.requests.length;

describe('limits.rpm', () => {
  it('serves rpm per deployment, then answers 429 with retry-after before any upstream call', async () => {
    const running = await start({ a: '{ rpm: 5 }', b: '{ rpm: 5 }' });
    const client = openaiClient(running);
    // Sent at once: admission is exact however the requests interleave.
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) => client.chat.completions.create({ model: 'lb', messages: [{ role: 'user', content: `hello ${index}` }] }).withResponse()),
    );
    const served = answers.map(({ response }) => response.headers.get('x-switchyard-model'));
    expect(served.filter((model) => model === A)).toHaveLength(5);
    expect(served.filter((model) => model === B)).toHaveLength(5);
    expect([upstreamA.requests.length, upstreamB.requests.length]).toEqual([5, 5]);

    const refused = await client.chat.completions.create({ model: 'lb', messages: [{ role: 'user', content: 'one more' }] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const error = refused as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.status).toBe(429);
    expect(error.code).toBe('deployment_quota_exceeded');
    expect(error.type).toBe('rate_limit_error');
    expect(error.message).toContain('limit of 5 requests per minute');
    const retryAfter = Number(error.headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(50);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // No upstream saw the 11th request.
    expect(calls()).toBe(10);

    const trace = running.gateway.traces.get(error.headers?.get('x-switchyard-trace-id') ?? '');
    expect(trace?.decision.filtered.map((item) => [item.model, item.reason])).toEqual([
      [expect.any(String), 'rate_limited'],
      [expect.any(String), 'rate_limited'],
    ]);
    expect(trace?.decision.filtered[0]?.detail).toMatch(/limits\.rpm.*frees at \d{4}-\d\d-\d\dT/);

    // The Anthropic edge says the same in its own shape.
    const anthropic = new Anthropic({ baseURL: running.url, apiKey: 'unused', maxRetries: 0 });
    const refusedThere = await anthropic.messages.create({ model: 'lb', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((thrown: unknown) => thrown);
    expect(refusedThere).toBeInstanceOf(Anthropic.RateLimitError);
    const anthropicError = refusedThere as InstanceType<typeof Anthropic.RateLimitError>;
    expect(anthropicError.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(Number(anthropicError.headers?.get('retry-after'))).toBeGreaterThan(50);
    expect(calls()).toBe(10);
  });

  it('admits exactly the quotas among requests routed at once: the rest 429 with retry-after, never sent', async () => {
    const running = await start({ a: '{ rpm: 5 }', b: '{ rpm: 5 }' });
    const client = openaiClient(running);
    // All 14 are routed before any is admitted: admission at the call decides, and no quota is overrun.
    const outcomes = await Promise.all(
      Array.from({ length: 14 }, (_, index) =>
        client.chat.completions
          .create({ model: 'lb', messages: [{ role: 'user', content: `hello ${index}` }] })
          .then(() => 200)
          .catch((error: unknown) => (error instanceof OpenAI.APIError ? { status: error.status, retryAfter: error.headers?.get('retry-after') } : error)),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 200)).toHaveLength(10);
    const refused = outcomes.filter((outcome) => outcome !== 200);
    expect(refused).toHaveLength(4);
    for (const outcome of refused) expect(outcome).toEqual({ status: 429, retryAfter: expect.stringMatching(/^(5\d|60)$/) });
    expect([upstreamA.requests.length, upstreamB.requests.length]).toEqual([5, 5]);
  });

  it('prefers the deployment with room when the balancer would draw the full one', async () => {
    // A draw of 0 puts A first whenever A has room.
    const running = await start({ a: '{ rpm: 2 }' }, () => 0);
    const client = openaiClient(running);
    const served: (string | null)[] = [];
    for (let index = 0; index < 4; index++) {
      const { response } = await client.chat.completions.create({ model: 'lb', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      served.push(response.headers.get('x-switchyard-model'));
    }
    expect(served).toEqual([A, A, B, B]);
    const last = running.gateway.traces.get(running.gateway.traces.list()[0]?.id ?? '');
    expect(last?.decision.balance).toEqual({ strategy: 'weighted', chosen: B });
    expect(last?.decision.filtered).toEqual([expect.objectContaining({ model: A, reason: 'rate_limited' })]);
  });
});

describe('a config reload', () => {
  it('keeps the last minute of a deployment whose limits did not change, and starts afresh for one whose did', async () => {
    const running = await start({ a: '{ rpm: 5 }', b: '{ rpm: 5 }' });
    running.gateway.quotas.get(A)?.admit(1);
    const yaml = (limitsB: string) => `
providers:
  pa: { type: openai, base_url: "${upstreamA.url}", api_key: "sk-lim-a-12345678", retry: { max_attempts: 1 } }
  pb: { type: openai, base_url: "${upstreamB.url}", api_key: "sk-lim-b-12345678", retry: { max_attempts: 1 } }
models:
  ${A}: { provider: pa, model: gpt-x, price: { input: 1, output: 2 }, context_window: 100000, limits: { rpm: 5 } }
  ${B}: { provider: pb, model: gpt-x, price: { input: 1, output: 2 }, context_window: 100000, limits: ${limitsB} }
`;
    const next = await Gateway.create(parseConfig(yaml('{ rpm: 9 }'), 'test.yaml', { env: {} }), { predecessor: running.gateway });
    expect(next.quotas.get(A)).toBe(running.gateway.quotas.get(A));
    expect(next.quotas.get(A)?.used().requests).toBe(1);
    expect(next.quotas.get(B)).not.toBe(running.gateway.quotas.get(B));
    expect(next.quotas.get(B)?.limits).toEqual({ rpm: 9 });
    await next.retire();
  });
});

describe('limits.tpm', () => {
  it('skips a deployment a large max_tokens request would overrun, counting what earlier calls really used', async () => {
    const running = await start({ a: '{ tpm: 2000 }' }, () => 0);
    upstreamA.respond({ type: 'completion', text: 'ok', usage: { prompt_tokens: 10, completion_tokens: 20 } });
    const client = openaiClient(running);
    const ask = async (maxTokens: number) => {
      const { response } = await client.chat.completions.create({ model: 'lb', max_tokens: maxTokens, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      return { served: response.headers.get('x-switchyard-model'), trace: running.gateway.traces.get(response.headers.get('x-switchyard-trace-id') ?? '') };
    };
    // Reserved ~108 tokens at admission, settled at the 30 the upstream billed.
    expect((await ask(100)).served).toBe(A);
    expect(running.gateway.quotas.get(A)?.used()).toEqual({ requests: 1, tokens: 30 });
    // ~1,998 more would overrun 2,000: the other deployment serves it.
    const large = await ask(1_990);
    expect(large.served).toBe(B);
    expect(large.trace?.decision.filtered).toEqual([expect.objectContaining({ model: A, reason: 'rate_limited' })]);
    expect(large.trace?.decision.filtered[0]?.detail).toMatch(/on top of 30 in the last minute exceed its limit of 2000 tokens per minute \(limits\.tpm\)/);
    // One that fits beside the 30 still goes to A (it would not, had the first call kept its estimate).
    expect((await ask(1_900)).served).toBe(A);
    expect([upstreamA.requests.length, upstreamB.requests.length]).toEqual([2, 1]);
    expect(running.gateway.quotas.get(A)?.used()).toEqual({ requests: 2, tokens: 60 });
  });

  it('settles a stream with its usage when the stream ends', async () => {
    const running = await start({ a: '{ tpm: 5000 }' }, () => 0);
    upstreamA.respond({ type: 'completion', text: 'one two three', usage: { prompt_tokens: 12, completion_tokens: 3 }, chunkDelayMs: 150 });
    const stream = await openaiClient(running).chat.completions.create({ model: 'lb', max_tokens: 1_000, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const quota = running.gateway.quotas.get(A);
    let during: number | undefined;
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) during ??= quota?.used().tokens;
    // Reserved while it ran (the prompt's ~8 and max_tokens), settled at the 15 billed once it ended.
    expect(during).toBe(1_008);
    await vi.waitFor(() => expect(quota?.used()).toEqual({ requests: 1, tokens: 15 }));
  });
});
