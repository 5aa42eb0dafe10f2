import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import OpenAI from 'openai';
import { capturingLogger } from '../support/capturing-logger.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';

/**
 * Requests refused before routing have no trace: each must leave one log line and one count in
 * `switchyard_edge_rejections_total`, never the key it carried, and the gateway keeps serving.
 */

const KEY = 'gw-key-Secret-0123456789abcdef';
/** A wrong key a client presents: as secret as the right one (it may be a key of another service). */
const WRONG_KEY = 'sk-wrong-Other-9876543210fedcba';
const AUTH = { authorization: `Bearer ${KEY}` };
const CHAT = { model: 'auto', messages: [{ role: 'user', content: 'hello' }] };

type Answer = { status: number; body: string };
type LogLine = Record<string, unknown> & { level: number; msg: string };

/** A raw request: node:http sends the Host and Origin it is given, and any method. */
function send(baseUrl: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${baseUrl}${options.path}`, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

/** Bytes on a raw connection (then its side closed, with `end`), and what comes back until the gateway closes it. */
function sendRaw(baseUrl: string, text: string, options: { end?: boolean } = {}): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname, () => (options.end ? socket.end(text) : socket.write(text)));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(received));
  });
}

/** Every series of `switchyard_edge_rejections_total`, keyed `dialect status reason`. */
async function edgeRejections(baseUrl: string): Promise<Map<string, number>> {
  const response = await fetch(`${baseUrl}/metrics`, { headers: AUTH });
  expect(response.status).toBe(200);
  const series = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^switchyard_edge_rejections_total\{(.*)\} (\d+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, name, value]) => [name, value]));
    series.set(`${labels['dialect']} ${labels['status']} ${labels['reason']}`, Number(match[2]));
  }
  return series;
}

/** The series that changed between two scrapes, with by how much. */
function increments(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const changed: Record<string, number> = {};
  for (const [key, value] of after) if (value !== (before.get(key) ?? 0)) changed[key] = value - (before.get(key) ?? 0);
  return changed;
}

const refusals = (lines: string[]): LogLine[] => lines.map((line) => JSON.parse(line) as LogLine).filter((line) => line.msg === 'request refused');

let upstream: FakeUpstream;

beforeAll(async () => {
  upstream = await startFakeUpstream();
});

afterAll(async () => {
  await upstream.close();
});

describe('refusals at the edge', () => {
  let gateway: TestGateway;
  const logLines: string[] = [];

  beforeAll(async () => {
    gateway = await startGateway(testConfig(upstream.url, `server:\n  api_keys: ["${KEY}"]\n  max_body_size: 2kb\n`), {}, { logger: capturingLogger(logLines) });
  });

  afterAll(async () => {
    await gateway.close();
  });

  beforeEach(() => {
    logLines.length = 0;
  });

  /** Runs `refuse`, and checks it counted once under `series`, logged one line at `level` with `fields`, and leaked no key. */
  async function expectRefusal(refuse: () => Promise<Answer | string>, expected: { status: number; series: string; level: 'info' | 'warn'; fields: Record<string, unknown> }): Promise<void> {
    const before = await edgeRejections(gateway.url);
    logLines.length = 0;
    const answer = await refuse();
    expect(typeof answer === 'string' ? answer.slice(0, 12) : answer.status).toBe(typeof answer === 'string' ? `HTTP/1.1 ${expected.status}` : expected.status);
    expect(increments(before, await edgeRejections(gateway.url))).toEqual({ [expected.series]: 1 });
    const [line, ...more] = refusals(logLines);
    expect(more).toEqual([]);
    expect(line).toMatchObject({ level: expected.level === 'warn' ? 40 : 30, status: expected.status, ...expected.fields });
    expect(typeof line?.['error']).toBe('string');
    const log = logLines.join('');
    expect(log).not.toContain(KEY);
    expect(log).not.toContain(WRONG_KEY);
  }

  it('an unknown path: the path without its query (which may carry a key), at warn for a POST', async () => {
    await expectRefusal(() => send(gateway.url, { method: 'POST', path: `/v1/assistants?stream=true&key=${KEY}`, headers: { ...AUTH, 'user-agent': 'codex_exec/0.171.0' }, body: JSON.stringify(CHAT) }), {
      status: 404,
      series: 'openai 404 not_found',
      level: 'warn',
      fields: {
        dialect: 'openai',
        method: 'POST',
        path: '/v1/assistants',
        reason: 'not_found',
        user_agent: 'codex_exec/0.171.0',
        error: 'Unknown path "/v1/assistants". Try POST /v1/chat/completions or POST /v1/messages.',
      },
    });
  });

  it('a GET of an unknown path (what browsers and scanners do on their own) at info', async () => {
    await expectRefusal(() => send(gateway.url, { path: '/favicon.ico' }), { status: 404, series: 'openai 404 not_found', level: 'info', fields: { method: 'GET', path: '/favicon.ico', reason: 'not_found' } });
  });

  it('a huge path is cut in the log line, with its length', async () => {
    const path = `/${'a'.repeat(5_000)}`;
    await expectRefusal(() => send(gateway.url, { method: 'POST', path, headers: AUTH }), {
      status: 404,
      series: 'openai 404 not_found',
      level: 'warn',
      fields: { path: `${path.slice(0, 100)}... (5001 characters)` },
    });
    expect(logLines.join('').length).toBeLessThan(1_000);
  });

  it('a missing key, and a wrong one, which the line does not repeat', async () => {
    const chat = (headers: Record<string, string>): Promise<Answer> =>
      send(gateway.url, { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(CHAT) });
    await expectRefusal(() => chat({}), { status: 401, series: 'openai 401 unauthorized', level: 'warn', fields: { reason: 'unauthorized', error: expect.stringMatching(/^Missing API key/) } });
    await expectRefusal(() => chat({ authorization: `Bearer ${WRONG_KEY}` }), { status: 401, series: 'openai 401 unauthorized', level: 'warn', fields: { error: 'Invalid API key.' } });
    await expectRefusal(() => chat({ 'x-api-key': WRONG_KEY }), { status: 401, series: 'openai 401 unauthorized', level: 'warn', fields: { error: 'Invalid API key.' } });
  });

  it('bad JSON, an invalid field, a body over the limit', async () => {
    const post = (body: string): Promise<Answer> => send(gateway.url, { method: 'POST', path: '/v1/chat/completions', headers: { ...AUTH, 'content-type': 'application/json' }, body });
    await expectRefusal(() => post(`{"model": "auto", "api_key": "${KEY}"`), { status: 400, series: 'openai 400 invalid_json', level: 'warn', fields: { reason: 'invalid_json', path: '/v1/chat/completions' } });
    await expectRefusal(() => post(JSON.stringify({ model: 'auto', messages: 'hello', api_key: KEY })), {
      status: 400,
      series: 'openai 400 invalid_request',
      level: 'warn',
      fields: { reason: 'invalid_request', error: expect.stringMatching(/^Invalid request: messages: /) },
    });
    await expectRefusal(() => post(JSON.stringify({ ...CHAT, padding: KEY.repeat(100) })), { status: 413, series: 'openai 413 body_too_large', level: 'warn', fields: { reason: 'body_too_large' } });
    await expectRefusal(() => post(`{"model": "auto", "deep": ${'['.repeat(80)}${']'.repeat(80)}}`), { status: 400, series: 'openai 400 json_too_deep', level: 'warn', fields: { reason: 'json_too_deep' } });
  });

  it('an unknown model, refused before any trace exists, and an unknown trace', async () => {
    await expectRefusal(
      () => send(gateway.url, { method: 'POST', path: '/v1/chat/completions', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ ...CHAT, model: 'claude-opus-4-8' }) }),
      { status: 404, series: 'openai 404 model_not_found', level: 'warn', fields: { reason: 'model_not_found' } },
    );
    await expectRefusal(() => send(gateway.url, { path: '/v1/traces/no-such-trace', headers: AUTH }), { status: 404, series: 'openai 404 trace_not_found', level: 'warn', fields: { reason: 'trace_not_found' } });
  });

  it('a Host this server does not answer to, a cross-origin browser request, a method the path does not take', async () => {
    await expectRefusal(() => send(gateway.url, { path: '/v1/models', headers: { ...AUTH, host: 'rebind.attacker.example' } }), {
      status: 421,
      series: 'openai 421 bad_host',
      level: 'warn',
      fields: { reason: 'bad_host' },
    });
    await expectRefusal(
      () => send(gateway.url, { method: 'POST', path: '/v1/chat/completions', headers: { ...AUTH, origin: 'https://attacker.example', 'content-type': 'application/json' }, body: JSON.stringify(CHAT) }),
      { status: 403, series: 'openai 403 bad_origin', level: 'warn', fields: { reason: 'bad_origin' } },
    );
    await expectRefusal(
      () => send(gateway.url, { method: 'POST', path: '/v1/chat/completions', headers: { ...AUTH, 'content-type': 'text/plain', 'user-agent': 'Mozilla/5.0' }, body: JSON.stringify(CHAT) }),
      { status: 403, series: 'openai 403 form_content_type', level: 'warn', fields: { reason: 'form_content_type' } },
    );
    await expectRefusal(() => send(gateway.url, { method: 'DELETE', path: '/v1/chat/completions', headers: AUTH }), {
      status: 405,
      series: 'openai 405 method_not_allowed',
      level: 'warn',
      fields: { method: 'DELETE', reason: 'method_not_allowed' },
    });
  });

  it('malformed HTTP and oversized headers, answered before any request exists, without the raw bytes (and their key)', async () => {
    await expectRefusal(() => sendRaw(gateway.url, `GET /v1/models HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${KEY}\r\nbad header\r\n\r\n`), {
      status: 400,
      series: 'none 400 malformed_http',
      level: 'warn',
      fields: { reason: 'malformed_http' },
    });
    expect(refusals(logLines)[0]).not.toHaveProperty('dialect');
    await expectRefusal(() => sendRaw(gateway.url, `GET /v1/models HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${KEY}\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`), {
      status: 431,
      series: 'none 431 headers_too_large',
      level: 'warn',
      fields: { reason: 'headers_too_large' },
    });
  });

  it('counts nothing for requests that reach routing, served or failed (those have traces), and keeps serving', async () => {
    const before = await edgeRejections(gateway.url);
    const client = new OpenAI({ baseURL: gateway.baseURL, apiKey: KEY, maxRetries: 0 });
    upstream.enqueue({ type: 'error', status: 500, message: 'upstream broke' });
    await expect(client.chat.completions.create({ model: 'cheap', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(OpenAI.APIError);
    const served = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
    expect(served.choices[0]?.message.content).toMatch(/^Reply from /);
    expect((await send(gateway.url, { path: '/healthz' })).status).toBe(200);
    // A client that closes its side halfway through its headers went away: nothing was refused.
    await sendRaw(gateway.url, 'GET /v1/models HTTP/1.1\r\nhost: 127.0.0.1\r\n', { end: true });
    expect(increments(before, await edgeRejections(gateway.url))).toEqual({});
    expect(refusals(logLines)).toEqual([]);
  });

  it('keeps counting across a config reload: the new gateway shares the counter', async () => {
    await send(gateway.url, { method: 'POST', path: '/nowhere', headers: AUTH });
    const before = await edgeRejections(gateway.url);
    const config = parseConfig(testConfig(upstream.url, `server:\n  api_keys: ["${KEY}"]\n  max_body_size: 2kb\n`), 'test.yaml', { env: {} });
    await gateway.replaceGateway(await Gateway.create(config, { predecessor: gateway.gateway }));
    await send(gateway.url, { method: 'POST', path: '/nowhere', headers: AUTH });
    const after = await edgeRejections(gateway.url);
    expect(after.get('openai 404 not_found')).toBe((before.get('openai 404 not_found') ?? 0) + 1);
    expect(increments(before, after)).toEqual({ 'openai 404 not_found': 1 });
  });
});

describe('the connection cap', () => {
  let gateway: TestGateway;
  const logLines: string[] = [];

  beforeAll(async () => {
    gateway = await startGateway(`${testConfig(upstream.url)}\nserver:\n  max_connections: 2\n`, {}, { logger: capturingLogger(logLines) });
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('logs and counts each connection closed to keep it', async () => {
    const url = new URL(gateway.url);
    const open = (): Promise<Socket> =>
      new Promise((resolve) => {
        const socket = connect(Number(url.port), url.hostname).on('error', () => undefined);
        socket.once('connect', () => resolve(socket));
      });
    const sockets: Socket[] = [];
    // One after the other, so the gateway sees them in this order.
    for (let i = 0; i < 3; i++) sockets.push(await open());
    const closed = await Promise.race(sockets.map((socket, index) => new Promise<number>((resolve) => socket.once('close', () => resolve(index)))));
    expect(closed).toBe(0);
    for (const socket of sockets) socket.destroy();
    // Read in process: a scrape would open a connection of its own, which the cap may have to make room for.
    const metrics = await gateway.gateway.metrics.render();
    expect(metrics).toContain('switchyard_edge_rejections_total{dialect="none",status="none",reason="too_many_connections"} 1\n');
    expect(refusals(logLines)).toEqual([
      expect.objectContaining({ level: 40, reason: 'too_many_connections', error: 'server.max_connections (2) reached: closed the connection idle longest.' }),
    ]);
  });
});

describe('slow clients', () => {
  let gateway: TestGateway;
  const logLines: string[] = [];

  beforeAll(async () => {
    gateway = await startGateway(`${testConfig(upstream.url)}\nserver:\n  headers_timeout_ms: 200\n  request_timeout_ms: 400\n`, {}, { logger: capturingLogger(logLines) });
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('logs and counts headers that do not arrive in time, and nothing for a connection that never sent a byte', async () => {
    // Both are answered 408; only the one that began a request was refused one.
    const answers = await Promise.all([sendRaw(gateway.url, ''), sendRaw(gateway.url, 'POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n')]);
    expect(answers.map((answer) => answer.slice(0, 12))).toEqual(['HTTP/1.1 408', 'HTTP/1.1 408']);
    const metrics = await gateway.gateway.metrics.render();
    expect(metrics.split('\n').filter((line) => line.startsWith('switchyard_edge_rejections_total{'))).toEqual([
      'switchyard_edge_rejections_total{dialect="none",status="408",reason="request_timeout"} 1',
    ]);
    expect(refusals(logLines)).toEqual([expect.objectContaining({ level: 40, status: 408, reason: 'request_timeout' })]);
  });
});
