import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { spawnServe, type ServeProcess } from '../support/spawn-serve.js';

// `switchyard serve` as an operator runs it (the built dist/), sent real signals.

let upstream: FakeUpstream;
let running: ServeProcess | undefined;

beforeAll(async () => {
  upstream = await startFakeUpstream();
});

afterEach(() => {
  running?.stop();
  running = undefined;
  upstream.requests.length = 0;
});

afterAll(async () => {
  await upstream.close();
});

type Setup = { file: string; db: string; write(options?: { graceMs?: number; extraModels?: string; extraRouters?: string; raw?: string }): void };

function setup(): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-signals-'));
  const file = join(dir, 'switchyard.yaml');
  const db = join(dir, 'traces.db');
  return {
    file,
    db,
    write(options = {}) {
      const yaml =
        options.raw ??
        `server:
  shutdown_grace_ms: ${options.graceMs ?? 1000}
storage:
  path: "${db}"
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 }, circuit_breaker: { consecutive_failures: 1000, min_requests: 1000 } }
models:
  cheap: { provider: fake, model: cheap-wire, price: { input: 0.15, output: 0.6 }, context_window: 128000 }
${options.extraModels ?? ''}
routers:
  auto: { default: cheap }
${options.extraRouters ?? ''}
`;
      writeFileSync(file, yaml);
    },
  };
}

async function serve(file: string): Promise<ServeProcess> {
  running = await spawnServe(file);
  return running;
}

async function chat(url: string, model: string, stream = false): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }], stream }),
  });
}

async function answer(response: Response): Promise<string | undefined> {
  const body = (await response.json()) as { choices?: { message: { content: string } }[] };
  return body.choices?.[0]?.message.content;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function traceCount(url: string): Promise<number> {
  const response = await fetch(`${url}/v1/traces?limit=100`);
  return ((await response.json()) as { data: unknown[] }).data.length;
}

describe('SIGHUP', () => {
  it('reloads a changed config: a new router serves, a request in flight finishes on the old config, traces keep landing', async () => {
    const config = setup();
    config.write();
    const server = await serve(config.file);
    upstream.respond((request) =>
      request.body?.['model'] === 'cheap-wire' ? { type: 'completion', text: 'old config answer', delayMs: 800 } : { type: 'completion', text: 'new config answer' },
    );
    const inFlight = chat(server.url, 'auto');
    await until(() => upstream.requests.length === 1);

    config.write({ extraModels: '  fresh: { provider: fake, model: fresh-wire, price: { input: 1, output: 2 } }', extraRouters: '  fresh-router: { default: fresh }' });
    server.child.kill('SIGHUP');
    const reloaded = await server.waitForLog(/^config reloaded$/);
    expect(reloaded['changes']).toMatchObject({ routers: { added: ['fresh-router'], removed: [] }, models: { added: ['fresh'], removed: [] } });

    const fresh = await chat(server.url, 'fresh-router');
    expect(fresh.status).toBe(200);
    expect(await answer(fresh)).toBe('new config answer');
    const old = await inFlight;
    expect(old.status).toBe(200);
    expect(await answer(old)).toBe('old config answer');

    // The replaced gateway is retired once its request is done; the trace store they share stays open.
    await new Promise((resolve) => setTimeout(resolve, 200));
    upstream.respond({ type: 'completion', text: 'after the reload' });
    expect((await chat(server.url, 'auto')).status).toBe(200);
    await until(async () => (await traceCount(server.url)) === 3);
    expect(server.child.exitCode).toBeNull();

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  }, 20_000);

  it('keeps the running config serving when the new file is broken, and says where it is broken', async () => {
    const config = setup();
    config.write();
    const server = await serve(config.file);
    upstream.respond({ type: 'completion', text: 'still serving' });

    config.write({ extraRouters: '  broken: { default: missing-model }' });
    server.child.kill('SIGHUP');
    const failed = await server.waitForLog(/^config reload failed/);
    expect(failed['level']).toBe(50);
    expect(String(failed['msg'])).toMatch(new RegExp(`${config.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: routers\\.broken`));

    const response = await chat(server.url, 'auto');
    expect(response.status).toBe(200);
    expect(await answer(response)).toBe('still serving');
    expect(server.child.exitCode).toBeNull();
    expect(server.lines.some((line) => line['msg'] === 'config reloaded')).toBe(false);
  }, 20_000);
});

describe('SIGTERM', () => {
  it('lets a request finish within the grace, ends a longer stream with a shutdown error event traced as shutdown, and exits 0 with every trace stored', async () => {
    const config = setup();
    config.write({ graceMs: 1000 });
    const server = await serve(config.file);
    upstream.respond((request) =>
      request.body?.['stream'] === true
        ? { type: 'completion', text: 'word '.repeat(200), chunkDelayMs: 100 }
        : { type: 'completion', text: 'finished in time', delayMs: 200 },
    );
    expect((await chat(server.url, 'auto')).status).toBe(200);

    const stream = await chat(server.url, 'auto', true);
    expect(stream.status).toBe(200);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let events = decoder.decode((await reader.read()).value);
    const json = chat(server.url, 'auto');
    await until(() => upstream.requests.length === 3);

    const signalled = Date.now();
    server.child.kill('SIGTERM');
    const inTime = await json;
    expect(inTime.status).toBe(200);
    expect(await answer(inTime)).toBe('finished in time');
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) events += decoder.decode(chunk.value);

    expect(events).toContain('"code":"server_shutting_down"');
    expect(events).not.toContain('[DONE]');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(5_000);

    const db = new Database(config.db, { readonly: true });
    const statuses = Object.fromEntries(
      (db.prepare('SELECT status, COUNT(*) AS n FROM traces GROUP BY status').all() as { status: string; n: number }[]).map((row) => [row.status, row.n]),
    );
    db.close();
    expect(statuses).toEqual({ ok: 2, shutdown: 1 });
    expect(server.lines.some((line) => String(line['msg']).startsWith('shutdown grace ran out: 1 request'))).toBe(true);
  }, 20_000);

  it('exits at once on a second signal during the drain, with its last log line written', async () => {
    const config = setup();
    config.write({ graceMs: 20_000 });
    const server = await serve(config.file);
    upstream.respond({ type: 'completion', text: 'word '.repeat(200), chunkDelayMs: 100 });
    const stream = await chat(server.url, 'auto', true);
    await (stream.body as ReadableStream<Uint8Array>).getReader().read();

    server.child.kill('SIGTERM');
    await server.waitForLog(/^shutting down/);
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 143, signal: null });
    expect(Date.now() - signalled).toBeLessThan(2_000);
    await until(() => server.lines.some((line) => String(line['msg']).startsWith('second signal during the shutdown')), 1_000);
  }, 20_000);
});
