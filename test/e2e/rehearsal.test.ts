import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

const REHEARSAL = readFileSync(fileURLToPath(new URL('../../config/rehearsal.yaml', import.meta.url)), 'utf8');

const running: TestGateway[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((gateway) => gateway.close()));
});

async function start(yaml: string): Promise<{ gateway: TestGateway; client: OpenAI }> {
  const gateway = await startGateway(yaml);
  running.push(gateway);
  return { gateway, client: new OpenAI({ baseURL: gateway.baseURL, apiKey: 'x', maxRetries: 0 }) };
}

/** A rehearsal: one flaky mock with every kind of fault, one healthy one; no timing faults so it runs fast. */
const FLAKY = (seed: number) => `
providers:
  flaky:
    type: mock
    seed: ${seed}
    faults:
      - { rate: 0.2, kind: error, status: 503 }
      - { rate: 0.1, kind: reset }
      - { rate: 0.1, kind: malformed }
    retry: { max_attempts: 2, initial_delay_ms: 1 }
    circuit_breaker: { consecutive_failures: 1000, min_requests: 100000 }
  steady: { type: mock, reply: "steady answer" }
models:
  cheap:  { provider: flaky,  price: { input: 1, output: 1 } }
  strong: { provider: steady, price: { input: 10, output: 10 } }
routers:
  auto: { default: { fallback: [cheap, strong] } }
`;

/** What a run did, request by request: the attempts' models and outcomes. */
async function rehearse(yaml: string, requests: number): Promise<string[]> {
  const { gateway, client } = await start(yaml);
  for (let index = 0; index < requests; index++) {
    await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: `question ${index}` }] });
  }
  return gateway.gateway.traces
    .list()
    .reverse()
    .map((trace) => trace.attempts.map((attempt) => `${attempt.model}:${attempt.outcome}:${attempt.error?.kind ?? ''}`).join(' '));
}

describe('the rehearsal provider (type: mock)', () => {
  it('is deterministic: the same seed and requests give the same faults, another seed other ones', async () => {
    const first = await rehearse(FLAKY(42), 40);
    const second = await rehearse(FLAKY(42), 40);
    const other = await rehearse(FLAKY(43), 40);
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
    // Faults really happened, and every request was still answered.
    expect(first.some((line) => line.includes('error'))).toBe(true);
    expect(first.some((line) => line.includes('upstream_connection'))).toBe(true);
    expect(first.some((line) => line.includes('upstream_protocol'))).toBe(true);
  });

  it('plays a script in order: errors, a reset, a refusal, a cut stream, then normal answers', async () => {
    const { gateway, client } = await start(`
providers:
  scripted:
    type: mock
    script:
      - { kind: error, status: 429, retry_after_ms: 50 }
      - ok
      - { kind: refusal }
      - { kind: cut, after_chunks: 2 }
    reply: "one two three four"
models:
  m: { provider: scripted, price: { input: 1, output: 1 } }
routers:
  auto: { default: m }
`);
    const first = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'a' }] }).withResponse();
    expect(first.data.choices[0]?.message.content).toBe('one two three four');
    expect(first.response.headers.get('x-switchyard-attempts')).toBe('2');

    const refused = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'b' }] });
    expect(refused.choices[0]?.finish_reason).toBe('content_filter');

    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'c' }], stream: true }),
    });
    const text = await response.text();
    expect(text).toContain('"content":"one "');
    expect(text).toContain('"content":"two "');
    expect(text).not.toContain('three');
    expect(text).not.toContain('[DONE]');
    expect(text).toContain('stream cut after 2 chunks');

    const after = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'd' }] });
    expect(after.choices[0]?.message.content).toBe('one two three four');
  });

  it('reports usage, so rehearsal traffic is priced like real traffic', async () => {
    const { client } = await start(`
providers:
  steady: { type: mock }
models:
  m: { provider: steady, price: { input: 1, output: 1 } }
routers:
  auto: { default: m }
`);
    const { data, response } = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'What is the capital of Japan?' }] }).withResponse();
    expect(data.usage?.prompt_tokens).toBeGreaterThan(5);
    expect(data.usage?.completion_tokens).toBeGreaterThan(3);
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(((data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0)) / 1e6, 12);
  });

  it('ships a rehearsal config that serves a mix of traffic through its faults', async () => {
    const { gateway, client } = await start(REHEARSAL);
    const answers = await Promise.all(
      Array.from({ length: 30 }, async (_, index) => {
        const answer = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: `question ${index}` }] });
        return answer.model;
      }),
    );
    expect(answers.every((model) => model === 'fast-cheap' || model === 'steady-strong')).toBe(true);
    const traces = gateway.gateway.traces.list();
    expect(traces).toHaveLength(30);
    expect(traces.every((trace) => trace.status === 'ok')).toBe(true);
    // The flaky provider did fail, and the fallback took over.
    expect(traces.some((trace) => trace.attempts.some((attempt) => attempt.outcome === 'error'))).toBe(true);
    expect(answers).toContain('steady-strong');
  }, 20_000);
});
