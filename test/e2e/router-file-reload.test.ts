import { copyFileSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainedRouterVersion } from '../../src/learning/trained-router.js';
import type { Trace } from '../../src/spec/trace.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { spawnServe, type ServeProcess } from '../support/spawn-serve.js';
import { tinyRouterFile } from '../support/tiny-router-file.js';

/**
 * `switchyard serve` (the built dist/) reloads when a trained router file of its config gets new
 * bytes, as `switchyard retrain` writes them (temp file + rename): the next requests are decided by
 * the new file and their traces name its version, while a request in flight finishes on the old one.
 */

let upstream: FakeUpstream;
let running: ServeProcess | undefined;

beforeAll(async () => {
  upstream = await startFakeUpstream();
});

afterAll(async () => {
  running?.stop();
  await upstream?.close();
});

async function chat(url: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'learned', messages: [{ role: 'user', content: 'What is the capital of Austria?' }] }),
  });
}

/** The stored trace of an answer (the store writes in batches, so it may take a moment). */
async function traceOf(url: string, answer: Response): Promise<Trace> {
  const id = answer.headers.get('x-switchyard-trace-id') as string;
  const deadline = Date.now() + 5_000;
  for (;;) {
    const response = await fetch(`${url}/v1/traces/${id}`);
    if (response.status === 200) return (await response.json()) as Trace;
    if (Date.now() > deadline) throw new Error(`trace ${id} not stored in time`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('serve reloads a trained router file that changed', () => {
  it('decides the next requests with the new file and names its version, while a request in flight completes', async () => {
    const first = tinyRouterFile(['strong', 'weak'], (model, hard) => (model === 'strong' || !hard ? 1 : 0));
    const second = tinyRouterFile(['strong', 'weak'], (model, hard) => (model === 'strong' ? 1 : hard ? 0.2 : 0.6));
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-router-reload-'));
    const file = join(dir, 'router.json');
    copyFileSync(first, file);
    const config = join(dir, 'switchyard.yaml');
    writeFileSync(
      config,
      `storage: { path: ${JSON.stringify(join(dir, 'traces.db'))} }
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 } }
models:
  weak:   { provider: fake, model: weak-wire,   price: { input: 0.15, output: 0.6 } }
  strong: { provider: fake, model: strong-wire, price: { input: 3, output: 15 } }
routers:
  learned:
    classifier: { type: trained, path: router.json }
    default: { strong_weak: { strong: strong, weak: weak, threshold: 0.3 } }
`,
    );
    const versions = { first: trainedRouterVersion(readFileSync(first)), second: trainedRouterVersion(readFileSync(second)) };
    running = await spawnServe(config);
    const server = running;
    upstream.respond(() => ({ type: 'completion', text: 'slow answer', delayMs: 800 }));
    const inFlight = chat(server.url);
    await until(() => upstream.requests.length === 1);

    // As retrain writes it: a temp file renamed over the old one.
    writeFileSync(join(dir, 'router.json.tmp'), readFileSync(second));
    renameSync(join(dir, 'router.json.tmp'), file);
    const reloading = await server.waitForLog(/^reloading the config$/);
    expect(reloading['changed']).toEqual([file]);
    await server.waitForLog(/^config reloaded$/);

    upstream.respond({ type: 'completion', text: 'after the reload' });
    const after = await chat(server.url);
    expect(after.status).toBe(200);
    expect((await traceOf(server.url, after)).decision.prediction?.classifierVersion).toBe(versions.second);
    const old = await inFlight;
    expect(old.status).toBe(200);
    expect((await traceOf(server.url, old)).decision.prediction?.classifierVersion).toBe(versions.first);

    // The same bytes written again are no change: nothing reloads.
    writeFileSync(file, readFileSync(second));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(server.lines.filter((line) => line['msg'] === 'config reloaded')).toHaveLength(1);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  }, 20_000);
});
