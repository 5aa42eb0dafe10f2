import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { spawnServe, type ServeProcess } from '../support/spawn-serve.js';

// A replica behind a load balancer, sent SIGTERM (as Kubernetes does after the preStop hook) while
// it streams: the balancer's probe must read "draining", new work must bounce, the stream must finish.

const GRACE_MS = 8_000;
const WORDS = 24;
const CHUNK_DELAY_MS = 60;

let upstream: FakeUpstream;
let running: ServeProcess | undefined;

beforeAll(async () => {
  upstream = await startFakeUpstream();
});

afterAll(async () => {
  running?.stop();
  await upstream.close();
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** One request on a new keep-alive connection, as a balancer opens one to a backend: status, headers and body. */
function fresh(url: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; headers: IncomingHttpHeaders; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const agent = new Agent({ keepAlive: true });
    const outgoing = httpRequest(`${url}${path}`, { method, agent, headers: text === undefined ? {} : { 'content-type': 'application/json' } }, (response) => {
      let received = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (received += chunk));
      response.on('end', () => {
        agent.destroy();
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(received) as Record<string, unknown> });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(text);
  });
}

describe('SIGTERM behind a load balancer', () => {
  it('answers /healthz 503 draining at once, refuses new requests with connection: close, lets a stream and a request finish whole, and exits 0 well within the grace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-lb-drain-'));
    const file = join(dir, 'switchyard.yaml');
    const db = join(dir, 'traces.db');
    writeFileSync(
      file,
      `server:
  shutdown_grace_ms: ${GRACE_MS}
storage:
  path: "${db}"
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 } }
models:
  cheap: { provider: fake, model: cheap-wire, price: { input: 0.15, output: 0.6 }, context_window: 128000 }
routers:
  auto: { default: cheap }
`,
    );
    const server = await spawnServe(file);
    running = server;
    const text = Array.from({ length: WORDS }, (_, index) => `w${index} `).join('');
    upstream.respond((request) =>
      request.body?.['stream'] === true ? { type: 'completion', text, chunkDelayMs: CHUNK_DELAY_MS } : { type: 'completion', text: 'answered in time', delayMs: 1000 },
    );

    expect(await fresh(server.url, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], stream: true });
    const chunks = stream[Symbol.asyncIterator]();
    let content = (await chunks.next()).value?.choices[0]?.delta.content ?? '';
    // A balancer's pooled connection with a request in flight: its answer must say the connection closes after it.
    const inFlight = fresh(server.url, 'POST', '/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'in flight' }] });
    await until(() => upstream.requests.length === 2);

    const signalled = Date.now();
    server.child.kill('SIGTERM');
    await server.waitForLog(/^shutting down/);

    const probe = await fresh(server.url, 'GET', '/healthz');
    expect(probe).toMatchObject({ status: 503, body: { status: 'draining' } });
    expect(probe.headers.connection).toBe('close');
    const refused = await fresh(server.url, 'POST', '/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'too late' }] });
    expect(refused).toMatchObject({ status: 503, body: { error: { code: 'server_shutting_down' } } });
    expect(refused.headers.connection).toBe('close');
    expect(refused.headers['x-should-retry']).toBe('true');

    const answered = await inFlight;
    expect(answered).toMatchObject({ status: 200, body: { choices: [{ message: { content: 'answered in time' } }] } });
    expect(answered.headers.connection).toBe('close');

    let finish: string | null | undefined;
    for (let chunk = await chunks.next(); !chunk.done; chunk = await chunks.next()) {
      content += chunk.value.choices[0]?.delta.content ?? '';
      finish = chunk.value.choices[0]?.finish_reason ?? finish;
    }
    expect(content).toBe(text);
    expect(finish).toBe('stop');

    expect(await server.exited).toEqual({ code: 0, signal: null });
    // The stream takes about WORDS × CHUNK_DELAY_MS; the process must not sit out the rest of the grace.
    expect(Date.now() - signalled).toBeLessThan(GRACE_MS / 2);
    // Only the two requests in flight reached the upstream, and their traces were written before the exit.
    expect(upstream.requests).toHaveLength(2);
    const store = new Database(db, { readonly: true });
    const statuses = store.prepare('SELECT status FROM traces').all();
    store.close();
    expect(statuses).toEqual([{ status: 'ok' }, { status: 'ok' }]);
  }, 30_000);
});
