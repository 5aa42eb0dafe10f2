import OpenAI from 'openai';
import { capturingLogger } from '../support/capturing-logger.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeUpstream, type FakeResponse, type FakeUpstream, type RecordedRequest } from '../support/fake-openai-upstream.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';

// 32 characters, like the key the issue saw leak its first 20 of; '+', '/' and '=' make its URL encoding differ.
const KEY = 'sk-proj-AbCd+fGh0123/56789XyZwV=';
const HEADER_KEY = 'azure-0123456789abcdef0123456789';
const PROXY_TOKEN = 'proxy-tok-9876543210fedcba';

let upstream: FakeUpstream;
let running: TestGateway;
let client: OpenAI;
const logLines: string[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const logger = capturingLogger(logLines);
  running = await startGateway(
    `
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "${KEY}", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
  azure: { type: openai, base_url: "${upstream.url}", headers: { api-key: "${HEADER_KEY}", x-proxy-auth: "Token ${PROXY_TOKEN}" }, retry: { max_attempts: 1 } }
models:
  only: { provider: fake, model: only-wire, price: { input: 1, output: 1 } }
  az: { provider: azure, model: az-wire, price: { input: 1, output: 1 } }
`,
    {},
    { logger },
  );
  client = new OpenAI({ baseURL: running.baseURL, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await running.close();
  await upstream.close();
});

beforeEach(() => {
  logLines.length = 0;
});

/** The key the gateway sent, as the upstream saw it: what a careless upstream echoes. */
const keySent = (request: RecordedRequest): string => String(request.headers.authorization).replace(/^Bearer /, '');

/** Every run of 8 characters of the key that appears in `text`. */
function keyPieces(text: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start + 8 <= KEY.length; start++) if (text.includes(KEY.slice(start, start + 8))) pieces.push(KEY.slice(start, start + 8));
  return pieces;
}

type Outcome = { clientError: string; trace: string; storedTrace: string; log: string };

/** One request answered by `response`; what the client, the trace ring, the store (through the API) and the log say about it. */
async function failWith(response: (request: RecordedRequest) => FakeResponse, stream = false, model = 'only'): Promise<Outcome> {
  upstream.respond(response);
  let clientError = '';
  let traceId = '';
  try {
    if (stream) {
      const { data, response: raw } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
      traceId = raw.headers.get('x-switchyard-trace-id') ?? '';
      for await (const chunk of data) void chunk;
    } else {
      await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    }
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    clientError = `${error.message} ${JSON.stringify(error.error)}`;
    traceId ||= error.headers?.get('x-switchyard-trace-id') ?? '';
  }
  expect(clientError).not.toBe('');
  expect(traceId).not.toBe('');
  await vi.waitFor(() => expect(running.gateway.traces.get(traceId)).toBeDefined());
  await vi.waitFor(() => expect(logLines.some((line) => line.includes(traceId))).toBe(true));
  const stored = await fetch(`${running.baseURL}/traces/${traceId}`);
  expect(stored.status).toBe(200);
  return { clientError, trace: JSON.stringify(running.gateway.traces.get(traceId)), storedTrace: await stored.text(), log: logLines.join('') };
}

function expectNoKeyAnywhere(outcome: Outcome): void {
  for (const [where, text] of Object.entries(outcome)) {
    expect(text, where).toContain('[REDACTED]');
    expect(keyPieces(text), where).toEqual([]);
  }
}

describe('a provider key echoed back by an upstream', () => {
  it('is redacted whole from a non-JSON error body where it straddles the 300-character cut', async () => {
    const outcome = await failWith((request) => ({ type: 'error', status: 500, body: `${'e'.repeat(290)}${keySent(request)} was rejected` }));
    expect(outcome.clientError).toContain('e'.repeat(290));
    expectNoKeyAnywhere(outcome);
  });

  it('is redacted whole from an invalid JSON answer where it straddles the cut', async () => {
    const outcome = await failWith((request) => ({ type: 'raw', status: 200, body: `${'j'.repeat(190)}${keySent(request)}${'j'.repeat(500)}` }));
    expect(outcome.clientError).toContain('invalid JSON');
    expectNoKeyAnywhere(outcome);
  });

  it('is redacted whole from a stream event that is not JSON where it straddles the cut', async () => {
    const outcome = await failWith((request) => ({ type: 'sse', events: [`${'s'.repeat(190)}${keySent(request)}${'s'.repeat(500)}`] }), true);
    expect(outcome.clientError).toContain('not JSON');
    expectNoKeyAnywhere(outcome);
  });

  it('is redacted from an error message that quotes it base64-encoded, as in a Basic authorization header', async () => {
    for (const user of ['u', 'us', 'usr']) {
      const outcome = await failWith((request) => ({
        type: 'error',
        status: 401,
        message: `Invalid credentials: Basic ${Buffer.from(`${user}:${keySent(request)}`).toString('base64')}`,
      }));
      expectNoKeyAnywhere(outcome);
      const encoded = outcome.clientError.match(/Basic ([A-Za-z0-9+/=]+)/)?.[1] ?? '';
      expect(keyPieces(Buffer.from(encoded, 'base64').toString('latin1'))).toEqual([]);
    }
  });

  it('is redacted from an error message that quotes it URL-encoded', async () => {
    for (const encode of [encodeURIComponent, (key: string) => new URLSearchParams({ key }).toString().slice('key='.length)]) {
      const outcome = await failWith((request) => ({ type: 'error', status: 400, message: `Bad URL /v1/x?key=${encode(keySent(request))}&y=1` }));
      expect(encode(KEY)).not.toContain(KEY.slice(8, 16));
      expectNoKeyAnywhere(outcome);
      expect(keyPieces(decodeURIComponent(outcome.clientError))).toEqual([]);
    }
  });
});

describe('a credential in a configured header', () => {
  it('is redacted like the api_key when the upstream echoes it, and so is the token after a scheme', async () => {
    const outcome = await failWith(
      (request) => ({
        type: 'error',
        status: 401,
        message: `Access denied for key ${String(request.headers['api-key'])} via ${String(request.headers['x-proxy-auth']).split(' ')[1]}`,
      }),
      false,
      'az',
    );
    expect(outcome.clientError).toContain('Access denied for key [REDACTED] via [REDACTED]');
    const everywhere = Object.values(outcome).join('\n');
    expect(everywhere).not.toContain(HEADER_KEY.slice(6, 20));
    expect(everywhere).not.toContain(PROXY_TOKEN.slice(6, 20));
  });
});

describe('an error body that never ends', () => {
  it('is reported with its first words, redacted, and the connection is closed', async () => {
    const started = performance.now();
    const outcome = await failWith((request) => ({ type: 'endless', status: 500, chunk: `Internal error: the database is on fire (${keySent(request)}). ` }));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(outcome.clientError).toContain('Internal error: the database is on fire ([REDACTED])');
    expect(outcome.clientError).not.toContain('empty body');
    expectNoKeyAnywhere(outcome);
    expect(await upstream.requests.at(-1)?.closed).toBe('aborted');
  });

  it('is cut after a short while when it trickles, not waited for', async () => {
    const started = performance.now();
    const outcome = await failWith(() => ({ type: 'endless', status: 503, chunk: 'overloaded, ', chunkDelayMs: 50 }));
    const elapsed = performance.now() - started;
    expect(outcome.clientError).toContain('overloaded, overloaded, ');
    expect(elapsed).toBeGreaterThan(1_500);
    expect(elapsed).toBeLessThan(6_000);
    expect(await upstream.requests.at(-1)?.closed).toBe('aborted');
  });
});
