import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';

/**
 * What hostile or careless clients can make the gateway hold: bodies, deep or long JSON, sockets
 * that send slowly or not at all. Every limit is set small so each case takes a fraction of a second.
 */

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

let upstream: FakeUpstream;

beforeAll(async () => {
  upstream = await startFakeUpstream();
});

afterAll(async () => {
  await upstream.close();
});

async function post(gateway: TestGateway, body: string | object, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

function errorOf(text: string): ErrorBody['error'] {
  return (JSON.parse(text) as ErrorBody).error;
}

/** A raw connection to the gateway, and everything it receives until it closes. */
function openSocket(gateway: TestGateway): { socket: Socket; connected: Promise<void>; received: Promise<{ text: string; closedAfterMs: number }> } {
  const url = new URL(gateway.url);
  const started = Date.now();
  const socket = connect(Number(url.port), url.hostname);
  socket.on('error', () => undefined);
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const received = new Promise<{ text: string; closedAfterMs: number }>((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - started }));
  });
  return { socket, connected, received };
}

/** Words, not one letter repeated: a long run of one letter is slow to count in tokens, which is not what these tests measure. */
const PROMPT_100KB = 'the quick brown fox jumps over the lazy dog '.repeat(2_330);

/** A chat on a connection of its own, closed after the answer: the connection-cap tests count every socket. */
function postOnNewConnection(gateway: TestGateway, body: object): Promise<number> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${gateway.url}/v1/chat/completions`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(text);
  });
}

/** A POST whose body is sent chunked, 16 KB at a time: its size is known only while it is read. */
function postChunked(gateway: TestGateway, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    for (let offset = 0; offset < body.length; offset += 16_384) request.write(body.slice(offset, offset + 16_384));
    request.end();
  });
}

const HELLO = { model: 'cheap', messages: [{ role: 'user', content: 'hello' }] };

describe('bounded request bodies', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway(`${testConfig(upstream.url)}
server:
  max_body_size: 256kb
  max_inflight_body_size: 256kb
  max_messages: 50
  max_json_depth: 16
`);
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('answers a 100,000-deep array in a pass-through field with 400 naming where, not a stack overflow', async () => {
    const depth = 100_000;
    const body = `{"model":"cheap","messages":[{"role":"user","content":"hi"}],"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const { status, text } = await post(gateway, body);
    expect(status).toBe(400);
    const error = errorOf(text);
    expect(error.code).toBe('json_too_deep');
    expect(error.param).toMatch(/^deep\[0\]\[0\]/);
    expect(error.param?.length).toBeLessThanOrEqual(103);
    expect(error.message).toContain('server.max_json_depth');
    expect(upstream.requestsFor('cheap-wire')).toHaveLength(0);
  });

  it('names the path to a too-deep value inside a message', async () => {
    let nested: unknown = 'x';
    for (let level = 0; level < 20; level++) nested = { a: nested };
    const { status, text } = await post(gateway, { model: 'cheap', messages: [{ role: 'user', content: 'hi' }, { role: 'user', content: 'hi', extra: nested }] });
    expect(status).toBe(400);
    // The root is level 1, messages 2, the message 3, extra's value 4: the 17th level is the value of the 13th `a`.
    expect(errorOf(text).param).toBe(`messages[1].extra${'.a'.repeat(13)}`);
  });

  it('answers more messages than server.max_messages with 400, param messages', async () => {
    const messages = Array.from({ length: 51 }, () => ({ role: 'user', content: 'hi' }));
    const { status, text } = await post(gateway, { model: 'cheap', messages });
    expect(status).toBe(400);
    expect(errorOf(text)).toMatchObject({ param: 'messages', code: 'array_above_max_length' });
    expect((await post(gateway, { model: 'cheap', messages: messages.slice(1) })).status).toBe(200);
  });

  it('quotes at most a short prefix of a huge model name', async () => {
    const { status, text } = await post(gateway, { model: 'm'.repeat(100_000), messages: [{ role: 'user', content: 'hi' }] });
    expect(status).toBe(404);
    const error = errorOf(text);
    expect(text.length).toBeLessThan(1_000);
    expect(error.message).toContain(`"${'m'.repeat(100)}"... (100000 characters)`);
  });

  it('quotes at most a short prefix of a long route header', async () => {
    const { status, text } = await post(gateway, { ...HELLO, model: 'auto' }, { 'x-switchyard-route': 'r'.repeat(8_000) });
    expect(status).toBe(400);
    expect(text.length).toBeLessThan(1_000);
    expect(errorOf(text).message).toContain('(8000 characters)');
  });

  it('refuses a body with 503 and retry-after while the bodies in flight hold the budget, and takes it once they are done', async () => {
    upstream.respond({ type: 'completion', text: 'slow', delayMs: 400 });
    const body = JSON.stringify({ model: 'cheap', messages: [{ role: 'user', content: PROMPT_100KB }] });
    try {
      const first = [post(gateway, body), post(gateway, body)];
      // Both bodies are read (and held) long before the upstream answers.
      await new Promise((resolve) => setTimeout(resolve, 150));
      const refused = await post(gateway, body);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(errorOf(refused.text)).toMatchObject({ code: 'gateway_overloaded', type: 'service_unavailable_error' });
      // A chunked body, its length unknown until read, is refused once what arrived passes the budget.
      expect(await postChunked(gateway, body)).toBe(503);
      // A small request still fits in what is left.
      expect((await post(gateway, HELLO)).status).toBe(200);
      expect((await Promise.all(first)).map((answer) => answer.status)).toEqual([200, 200]);
      expect((await post(gateway, body)).status).toBe(200);
    } finally {
      upstream.respond((request) => ({ type: 'completion', text: `Reply from ${String(request.body?.['model'])}.` }));
    }
  });

  it('the openai client retries a 503 for lack of body room after its retry-after', async () => {
    upstream.respond({ type: 'completion', text: 'slow', delayMs: 400 });
    try {
      const content = PROMPT_100KB;
      const hold = [post(gateway, { model: 'cheap', messages: [{ role: 'user', content }] }), post(gateway, { model: 'cheap', messages: [{ role: 'user', content }] })];
      await new Promise((resolve) => setTimeout(resolve, 150));
      const client = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'x', maxRetries: 1 });
      const answer = await client.chat.completions.create({ model: 'cheap', messages: [{ role: 'user', content }] });
      expect(answer.choices[0]?.message.content).toBe('slow');
      await Promise.all(hold);
    } finally {
      upstream.respond((request) => ({ type: 'completion', text: `Reply from ${String(request.body?.['model'])}.` }));
    }
  });
});

describe('slow and idle connections', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway(`${testConfig(upstream.url)}
server:
  headers_timeout_ms: 300
  request_timeout_ms: 600
  keep_alive_timeout_ms: 300
`);
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('answers headers that do not arrive within headers_timeout_ms with 408 and closes the connection', async () => {
    const { socket, connected, received } = openSocket(gateway);
    await connected;
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n');
    const { text, closedAfterMs } = await received;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeLessThan(2_000);
  });

  it('closes a connection that never sends anything', async () => {
    const { received } = openSocket(gateway);
    expect((await received).closedAfterMs).toBeLessThan(2_000);
  });

  it('cuts a body that does not arrive within request_timeout_ms with 408', async () => {
    const { socket, connected, received } = openSocket(gateway);
    await connected;
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":');
    const { text, closedAfterMs } = await received;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeLessThan(2_500);
  });

  it('answers headers over the size limit with 431', async () => {
    const { socket, connected, received } = openSocket(gateway);
    await connected;
    socket.write(`GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect((await received).text).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('does not cut a streamed answer that lasts longer than request_timeout_ms', async () => {
    upstream.respond({ type: 'completion', text: 'one two three four five six seven eight', chunkDelayMs: 150 });
    try {
      const client = new OpenAI({ baseURL: gateway.baseURL, apiKey: 'x', maxRetries: 0 });
      const started = Date.now();
      const stream = await client.chat.completions.create({ ...HELLO, messages: [{ role: 'user', content: 'hi' }], stream: true } as OpenAI.ChatCompletionCreateParamsStreaming);
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(Date.now() - started).toBeGreaterThan(1_000);
      expect(text).toBe('one two three four five six seven eight');
    } finally {
      upstream.respond((request) => ({ type: 'completion', text: `Reply from ${String(request.body?.['model'])}.` }));
    }
  });
});

describe('connection cap', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway(`${testConfig(upstream.url)}
server:
  max_connections: 4
`);
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('closes the connection idle longest to make room for a new one', async () => {
    const idle = Array.from({ length: 4 }, () => openSocket(gateway));
    await Promise.all(idle.map((socket) => socket.connected));
    expect(await postOnNewConnection(gateway, HELLO)).toBe(200);
    // The first idle socket made room; the others are still open.
    expect((await idle[0]?.received)?.text).toBe('');
    expect(idle.slice(1).every((socket) => !socket.socket.destroyed)).toBe(true);
    for (const socket of idle) socket.socket.destroy();
  });

  it('closes a slow sender of a body rather than a connection that has only just been opened', async () => {
    const senders = Array.from({ length: 2 }, () => openSocket(gateway));
    await Promise.all(senders.map((sender) => sender.connected));
    for (const { socket } of senders) socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":');
    // A sender is judged slow a second into its body.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const fresh = Array.from({ length: 2 }, () => openSocket(gateway));
    await Promise.all(fresh.map((socket) => socket.connected));
    expect(await postOnNewConnection(gateway, HELLO)).toBe(200);
    await Promise.race(senders.map((sender) => sender.received));
    expect(senders.filter((sender) => sender.socket.destroyed || sender.socket.readableEnded)).toHaveLength(1);
    expect(fresh.every((socket) => !socket.socket.destroyed)).toBe(true);
    for (const { socket } of [...senders, ...fresh]) socket.destroy();
  });

  it('refuses a new connection when every connection is serving a request, and serves those', async () => {
    upstream.respond({ type: 'completion', text: 'slow', delayMs: 500 });
    try {
      const body = JSON.stringify(HELLO);
      const busy = Array.from({ length: 4 }, () => openSocket(gateway));
      await Promise.all(busy.map((socket) => socket.connected));
      for (const { socket } of busy) {
        socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { socket, connected, received } = openSocket(gateway);
      await connected;
      socket.write('GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
      expect((await received).text).toBe('');
      const answers = await Promise.all(busy.map((connection) => connection.received));
      expect(answers.map((answer) => answer.text.slice(0, 12))).toEqual(Array.from({ length: 4 }, () => 'HTTP/1.1 200'));
    } finally {
      upstream.respond((request) => ({ type: 'completion', text: `Reply from ${String(request.body?.['model'])}.` }));
    }
  });
});
