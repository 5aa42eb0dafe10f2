import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainedRouterVersion } from '../../src/learning/trained-router.js';
import type { Trace } from '../../src/spec/trace.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { startGateway, type TestGateway } from '../support/start-gateway.js';
import { tinyRouterFile } from '../support/tiny-router-file.js';

/** The trace of a request routed by a trained classifier names the router file that decided, by a hash of its bytes. */

let upstream: FakeUpstream;
let gateway: TestGateway;
let files: { first: string; second: string; copy: string };

beforeAll(async () => {
  const first = tinyRouterFile(['strong', 'weak'], (model, hard) => (model === 'strong' || !hard ? 1 : 0));
  const second = tinyRouterFile(['strong', 'weak'], (model, hard) => (model === 'strong' ? 1 : hard ? 0.2 : 0.6));
  // The same bytes under another name are the same version.
  const copy = join(dirname(first), 'copy.json');
  copyFileSync(first, copy);
  files = { first, second, copy };
  upstream = await startFakeUpstream();
  const router = (file: string): string => `
    classifier: { type: trained, path: ${JSON.stringify(file)} }
    default: { strong_weak: { strong: strong, weak: weak, threshold: 0.3 } }`;
  gateway = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456", retry: { max_attempts: 1 } }
models:
  weak:   { provider: fake, model: weak-wire,   price: { input: 0.15, output: 0.6 } }
  strong: { provider: fake, model: strong-wire, price: { input: 3, output: 15 } }
routers:
  first:${router(first)}
  second:${router(second)}
  copy:${router(copy)}
`);
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

async function traceOf(model: string): Promise<Trace> {
  const answer = await fetch(`${gateway.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ model, messages: [{ role: 'user', content: 'What is the capital of Austria?' }] }) });
  expect(answer.status).toBe(200);
  const id = answer.headers.get('x-switchyard-trace-id');
  const response = await fetch(`${gateway.baseURL}/traces/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Trace;
}

describe('the router version in the trace', () => {
  it('is the first 12 hex digits of the sha256 of the file that decided', async () => {
    const trace = await traceOf('first');
    expect(trace.decision.prediction?.classifierVersion).toBe(trainedRouterVersion(readFileSync(files.first)));
    expect(trace.decision.prediction?.classifierVersion).toMatch(/^[0-9a-f]{12}$/);
  });

  it('differs between two different files and is the same for the same bytes', async () => {
    const [first, second, copy] = await Promise.all([traceOf('first'), traceOf('second'), traceOf('copy')]);
    const version = (trace: Trace): string | undefined => trace.decision.prediction?.classifierVersion;
    expect(version(second)).toBe(trainedRouterVersion(readFileSync(files.second)));
    expect(version(first)).not.toBe(version(second));
    expect(version(copy)).toBe(version(first));
  });
});
