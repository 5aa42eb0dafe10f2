import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

let upstream: FakeUpstream;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test", max_response_size: 64kb, retry: { max_attempts: 1 } }
models:
  only: { provider: fake, model: only-wire, price: { input: 1, output: 1 } }
`);
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const big = 'word '.repeat(20_000); // 100 KB of answer

describe('an upstream answer over max_response_size', () => {
  it('is not read past the limit: a JSON answer fails with 502 saying why', async () => {
    upstream.respond({ type: 'completion', text: big });
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'only', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/larger than its max_response_size/);
    expect(gateway.gateway.traces.list()[0]?.attempts[0]?.error?.kind).toBe('upstream_protocol');
  });

  it('ends a stream that outgrows it with an error event, never [DONE]', async () => {
    upstream.respond({ type: 'completion', text: big });
    const stream = await client.chat.completions.create({ model: 'only', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let received = '';
    await expect(async () => {
      for await (const chunk of stream) received += chunk.choices[0]?.delta.content ?? '';
    }).rejects.toThrow(/larger than its max_response_size/);
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(big.length);
  });

  it('leaves an answer within the limit alone', async () => {
    upstream.respond({ type: 'completion', text: 'small answer' });
    const completion = await client.chat.completions.create({ model: 'only', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.message.content).toBe('small answer');
  });
});
