import { queryObjects } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import type { StreamPart } from '../spec/stream-part.js';
import { Gateway } from './gateway.js';

/** Counts live async generator objects: `queryObjects` counts the objects whose prototype chain holds a constructor's `prototype`. */
function AsyncGeneratorObject(): void {}
AsyncGeneratorObject.prototype = Object.getPrototypeOf(async function* () {}.prototype) as object;
const liveAsyncGenerators = (): number => queryObjects(AsyncGeneratorObject, { format: 'count' });

// The rehearsal model sends its first word, then waits a minute for the next: a stream held open.
const CONFIG = `
providers:
  rehearsal: { type: mock, latency_ms: 0, chunk_delay_ms: 60000, reply: "The rest takes a while." }
models:
  cheap: { provider: rehearsal, price: { input: 1, output: 2 } }
`;
const STREAMS = 50;

describe('a stream held open through the gateway', () => {
  // Each suspended async generator holds its frame, its queued request and promises: about 0.5 KB per
  // stage per open stream (issue 23's memory budget). The executor's and the gateway's stages are plain
  // iterators; the model's own stream is the one generator left.
  it('holds one async generator per open stream: the model stream', async () => {
    const gateway = await Gateway.create(parseConfig(CONFIG, 'held.yaml', { env: {} }), { recentTraces: 0 });
    const clients = Array.from({ length: STREAMS }, () => new AbortController());
    const open = async (client: AbortController): Promise<{ next: Promise<IteratorResult<StreamPart>> }> => {
      const outcome = await gateway.stream(createChatRequest('cheap', 'hello'), { signal: client.signal });
      if (outcome.type !== 'stream') throw new Error(`expected a stream, got ${outcome.type}`);
      for (;;) {
        const next = await outcome.parts.next();
        if (!next.done && next.value.type === 'text-delta') break;
      }
      // Waiting for the next part, as the HTTP edge does (in an object: an async function's result would wait for it).
      return { next: outcome.parts.next() };
    };
    const before = liveAsyncGenerators();
    const held = await Promise.all(clients.map(open));
    // Rounded: one generator the first stream makes once (a cache, a lazy start) is not per stream.
    const perStream = Math.round((liveAsyncGenerators() - before) / STREAMS);
    for (const client of clients) client.abort();
    await Promise.all(held.map((stream) => stream.next));
    await gateway.close();
    expect(perStream).toBe(1);
  });
});
