import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenCounter } from '../../src/tokens/token-counter.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

let upstream: FakeUpstream;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  // A 1M-token window: a 30 MB prompt may be under it (it is at least 30 MB / 128 bytes, 245,760
  // tokens), so only a count can tell, and this text takes the tokenizer seconds to count.
  gateway = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test", retry: { max_attempts: 1 } }
models:
  huge:  { provider: fake, model: huge-wire, price: { input: 1, output: 1 }, context_window: 1000000 }
  quick: { provider: fake, model: quick-wire, price: { input: 1, output: 1 } }
routers:
  auto: { default: huge }
`);
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'unused', maxRetries: 0 });
  // The connection and the counter's worker are warm, as in a gateway that has served before.
  await client.chat.completions.create({ model: 'quick', messages: [{ role: 'user', content: 'warm up' }] });
  await tokenCounter.start();
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const JAPANESE = '漢字かな交じり文、日本語の文章です。';
/** About 30 MB of UTF-8 (10 M characters): under the 32 MB body limit, and seconds of counting. */
const HUGE_PROMPT = JAPANESE.repeat(Math.floor((30 * 1024 * 1024) / Buffer.byteLength(JAPANESE)));

function post(body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(`${gateway.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

async function shortRequest(): Promise<number> {
  const started = performance.now();
  const answer = await client.chat.completions.create({ model: 'quick', messages: [{ role: 'user', content: 'hi' }] });
  const elapsed = performance.now() - started;
  expect(answer.choices[0]?.message.content).toBe('Reply from quick-wire.');
  return elapsed;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!condition() && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 1));
}

describe('a 30 MB prompt near a context window', () => {
  it.each([
    ['a router', 'auto'],
    ['a concrete model', 'huge'],
  ])('is counted off the event loop when sent to %s: short requests are answered within 50 ms meanwhile', async (_, model) => {
    const body = Buffer.from(JSON.stringify({ model, messages: [{ role: 'user', content: HUGE_PROMPT }] }));
    const before: number[] = [];
    for (let index = 0; index < 10; index++) before.push(await shortRequest());
    let done = false;
    const huge = post(body).finally(() => (done = true));
    await waitFor(() => tokenCounter.inFlight > 0 || done, 20_000);
    expect(tokenCounter.inFlight, 'the prompt is being counted, and the event loop is free to see it').toBeGreaterThan(0);

    const latencies: number[] = [];
    while (tokenCounter.inFlight > 0 && latencies.length < 10) latencies.push(await shortRequest());
    const answer = await huge;
    const seen = `latencies meanwhile: ${latencies.map((ms) => ms.toFixed(1)).join(', ')} ms; before: ${before.map((ms) => ms.toFixed(1)).join(', ')} ms`;
    expect(latencies.length, seen).toBeGreaterThanOrEqual(3);
    // Within 50 ms. The median, and on a machine so loaded that the same request took over 25 ms
    // before the prompt came, within twice that: any one request can lose the CPU for a while on a
    // shared 2-core machine, as it can with no prompt at all; counting on the event loop held every request for seconds.
    const limit = Math.max(50, 2 * median(before));
    expect(median(latencies), seen).toBeLessThan(limit);
    expect(Math.max(...latencies), seen).toBeLessThan(10 * limit);

    // Counting stopped at its budget; the estimate is far over the window, and the Decision says how it was made.
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(/~\d+ prompt tokens exceed its context window of 1000000/);
    const trace = gateway.gateway.traces.list().find((item) => item.requested === model);
    expect(trace?.decision.promptTokens).toEqual({
      tokens: expect.any(Number) as unknown,
      method: 'estimated',
      detail: expect.stringMatching(/^counting ran past its 1000 ms budget; (?:\d+ of 10\d{6} characters counted, the rest extrapolated|estimated from 10\d{6} characters)$/) as unknown,
    });
    expect(trace?.decision.promptTokens?.tokens).toBeGreaterThan(5_000_000);
  });
});
