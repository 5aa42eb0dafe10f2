import { request as httpRequest } from 'node:http';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';

let upstream: FakeUpstream;
let gateway: TestGateway;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startGateway(`${testConfig(upstream.url)}\nserver:\n  max_body_size: 64kb\n`);
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

afterEach(async () => {
  // Whatever the test sent, the gateway still serves.
  const health = await fetch(`${gateway.url}/healthz`);
  expect(health.status).toBe(200);
  upstream.requests.length = 0;
  upstream.respond((request) => ({ type: 'completion', text: `Reply from ${String(request.body?.['model'])}.` }));
});

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

async function post(body: string | object, path = '/v1/chat/completions'): Promise<{ status: number; body: ErrorBody; headers: Headers }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as ErrorBody, headers: response.headers };
}

function expectOpenAIError(body: ErrorBody): void {
  expect(body.error).toEqual(
    expect.objectContaining({ message: expect.any(String), type: expect.any(String), param: expect.toSatisfy((value) => value === null || typeof value === 'string'), code: expect.toSatisfy((value) => value === null || typeof value === 'string') }),
  );
}

describe('bad requests', () => {
  it('rejects malformed JSON with 400', async () => {
    const { status, body } = await post('{"model": "auto", "messages": [');
    expect(status).toBe(400);
    expectOpenAIError(body);
    expect(body.error.code).toBe('invalid_json');
    expect(body.error.message).toMatch(/not valid JSON/);
  });

  it('rejects an empty body and a body that is not an object', async () => {
    expect((await post('')).status).toBe(400);
    const array = await post('[1,2]');
    expect(array.status).toBe(400);
    expect(array.body.error.message).toMatch(/JSON object/);
  });

  it.each([
    [{ messages: [{ role: 'user', content: 'hi' }] }, 'model'],
    [{ model: 'auto' }, 'messages'],
    [{ model: 'auto', messages: [] }, 'messages'],
    [{ model: 'auto', messages: [{ role: 'robot', content: 'hi' }] }, 'messages[0].role'],
    [{ model: 'auto', messages: [{ role: 'user', content: 42 }] }, 'messages[0].content'],
    [{ model: 'auto', messages: [{ role: 'user', content: 'hi' }], stream: 'yes' }, 'stream'],
    [{ model: 'auto', messages: [{ role: 'user', content: 'hi' }], max_tokens: -1 }, 'max_tokens'],
    [{ model: 'auto', messages: [{ role: 'user', content: 'hi' }], metadata: { team: { nested: true } } }, 'metadata.team'],
  ])('rejects %j with 400 naming %s', async (request, param) => {
    const { status, body } = await post(request);
    expect(status).toBe(400);
    expectOpenAIError(body);
    expect(body.error.param).toBe(param);
    expect(body.error.message).toContain(param);
    expect(upstream.requests).toHaveLength(0);
  });

  it('answers an unknown model or router with 404 model_not_found, naming what exists', async () => {
    const { status, body } = await post({ model: 'gpt-17', messages: [{ role: 'user', content: 'hi' }] });
    expect(status).toBe(404);
    expectOpenAIError(body);
    expect(body.error.code).toBe('model_not_found');
    expect(body.error.message).toContain('"gpt-17"');
    expect(body.error.message).toContain('Routers: auto');
    expect(body.error.message).toMatch(/Models: .*cheap/);
  });

  it('the openai client sees an unknown model as NotFoundError', async () => {
    const client = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'x', maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('answers an unknown route header with 400', async () => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'x-switchyard-route': 'nonexistent' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.message).toMatch(/Route "nonexistent".*Routes: unsafe, code, creative, billing/);
  });

  it('refuses a body over the limit with 413, by declared length and by streamed size', async () => {
    const big = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] });
    const declared = await post(big);
    expect(declared.status).toBe(413);
    expectOpenAIError(declared.body);
    expect(declared.body.error.code).toBe('request_too_large');

    // Chunked, so the size is only known while reading.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      });
      request.on('error', reject);
      for (let offset = 0; offset < big.length; offset += 8192) request.write(big.slice(offset, offset + 8192));
      request.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toHaveProperty('error.code', 'request_too_large');
    expect(upstream.requests).toHaveLength(0);
  });

  it('answers unknown paths with 404 and wrong methods with 405, as OpenAI errors', async () => {
    const missing = await fetch(`${gateway.url}/v1/embeddingz`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(404);
    expectOpenAIError((await missing.json()) as ErrorBody);
    const wrong = await fetch(`${gateway.url}/v1/chat/completions`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expectOpenAIError((await wrong.json()) as ErrorBody);
  });

  it('survives malformed HTTP', async () => {
    const { connect } = await import('node:net');
    const url = new URL(gateway.url);
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write('THIS IS NOT HTTP\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
  });
});

describe('upstream failures', () => {
  it('turns an upstream 5xx into 502 with the upstream message', async () => {
    upstream.respond({ type: 'error', status: 500, message: 'the model crashed' });
    const { status, body } = await post({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] });
    expect(status).toBe(502);
    expectOpenAIError(body);
    expect(body.error.message).toContain('the model crashed');
    expect(body.error.message).toContain('HTTP 500');
  });

  it('passes an upstream verdict on the request back as 400 with its code', async () => {
    upstream.respond({ type: 'error', status: 400, message: 'This model maximum context length is 128000 tokens', code: 'context_length_exceeded' });
    const { status, body } = await post({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] });
    expect(status).toBe(400);
    expect(body.error.code).toBe('context_length_exceeded');
    expect(body.error.message).toContain('maximum context length');
  });

  it('passes a rate limit back as 429 with the retry-after the upstream asked for', async () => {
    upstream.respond({ type: 'error', status: 429, message: 'slow down', headers: { 'retry-after': '7' } });
    const { status, headers } = await post({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] });
    expect(status).toBe(429);
    expect(headers.get('retry-after')).toBe('7');
  });

  it('turns upstream garbage into 502', async () => {
    upstream.respond({ type: 'raw', status: 200, body: '<html>oops</html>' });
    const { status, body } = await post({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] });
    expect(status).toBe(502);
    expect(body.error.code).toBe('upstream_protocol_error');
    upstream.respond({ type: 'raw', status: 200, body: '{"no": "choices"}' });
    expect((await post({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] })).status).toBe(502);
  });

  it('turns a dropped connection into 502', async () => {
    upstream.respond({ type: 'drop' });
    const { status, body } = await post({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] });
    expect(status).toBe(502);
    expect(body.error.code).toBe('upstream_connection_error');
  });

  it('lists every attempt, with x-should-retry: false, when every model of the plan fails', async () => {
    upstream.respond({ type: 'error', status: 503, message: 'overloaded' });
    const { status, body, headers } = await post({ model: 'auto', messages: [{ role: 'user', content: 'debug it' }] });
    expect(status).toBe(503);
    expect(headers.get('x-should-retry')).toBe('false');
    expect(body.error.code).toBe('all_attempts_failed');
    expect((body.error as unknown as { attempts: { model: string }[] }).attempts.map((attempt) => attempt.model)).toEqual(['coder', 'cheap']);
  });

  it('never shows the provider key, even when the upstream echoes it', async () => {
    upstream.respond({ type: 'error', status: 401, message: 'Incorrect API key provided: sk-test-secret-key-123456' });
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }),
    });
    const text = await response.text();
    expect(response.status).toBe(502);
    expect(text).toContain('Incorrect API key provided');
    expect(text).not.toContain('sk-test-secret-key-123456');
    expect(JSON.stringify(gateway.gateway.traces.list())).not.toContain('sk-test-secret-key-123456');
  });
});
