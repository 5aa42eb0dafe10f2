import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CountingCancellation } from '../support/counting-cancellation.js';
import { OpenAIChatModel } from '../../src/providers/openai/openai-chat-model.js';
import { createChatRequest } from '../../src/spec/create-chat-request.js';
import { CancellationSource, type Cancellation } from '../../src/util/cancellation.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';

/**
 * The OpenAI provider hands undici an EventEmitter that follows the call's Cancellation (no
 * AbortSignal): a cancellation must stop the request whether it comes before it is sent or while
 * it runs, and the model's `signal`, read by other providers, must abort with it.
 */

let upstream: FakeUpstream;
let pool: Pool;

beforeEach(async () => {
  upstream = await startFakeUpstream();
  pool = new Pool(new URL(upstream.url).origin);
});

afterEach(async () => {
  await pool.close();
  await upstream.close();
});

function model(): OpenAIChatModel {
  return new OpenAIChatModel({ provider: 'fake', name: 'small', wireModel: 'small-wire', pool, path: `${new URL(upstream.url).pathname}/chat/completions`, headers: {}, redact: (text) => text });
}

const options = (cancellation: Cancellation) => ({ cancellation, get signal() { return cancellation.signal; } });

describe('OpenAIChatModel and its call cancellation', () => {
  it('answers when nothing cancels it', async () => {
    upstream.respond({ type: 'completion', text: 'Paris.' });
    const result = await model().doGenerate(createChatRequest('auto', 'hi'), options(new CancellationSource()));
    expect(result.choices[0]?.message.content).toBe('Paris.');
  });

  it('lets go of the cancellation once the answer is read, so one used for many calls collects no listeners', async () => {
    upstream.respond({ type: 'completion', text: 'Paris.' });
    const cancellation = new CountingCancellation();
    for (let call = 0; call < 3; call++) await model().doGenerate(createChatRequest('auto', 'hi'), options(cancellation));
    const stream = await model().doStream(createChatRequest('auto', 'hi'), options(cancellation));
    for await (const part of stream.parts) void part;
    await expect.poll(() => cancellation.attached).toBe(0);
  });

  it('lets go of the cancellation when the request fails before any answer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const nowhere = new Pool(`http://127.0.0.1:${port}`);
    const unreachable = new OpenAIChatModel({ provider: 'fake', name: 'small', wireModel: 'small-wire', pool: nowhere, path: '/v1/chat/completions', headers: {}, redact: (text) => text });
    const cancellation = new CountingCancellation();
    await expect(unreachable.doGenerate(createChatRequest('auto', 'hi'), options(cancellation))).rejects.toMatchObject({ kind: 'upstream_connection' });
    expect(cancellation.attached).toBe(0);
    await nowhere.close();
  });

  it('sends nothing when the call was cancelled before it started', async () => {
    const cancellation = new CancellationSource();
    cancellation.abort();
    await expect(model().doGenerate(createChatRequest('auto', 'hi'), options(cancellation))).rejects.toMatchObject({ kind: 'aborted' });
    // Give a request that went out anyway the time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(upstream.requests).toHaveLength(0);
  });

  it('aborts the upstream request when cancelled while it runs', async () => {
    upstream.respond({ type: 'completion', text: 'slow', delayMs: 5_000 });
    const cancellation = new CancellationSource();
    const pending = model().doGenerate(createChatRequest('auto', 'hi'), options(cancellation));
    await expect.poll(() => upstream.requests.length).toBe(1);
    cancellation.abort();
    await expect(pending).rejects.toMatchObject({ kind: 'aborted' });
    expect(await upstream.requests[0]?.closed).toBe('aborted');
  });

  it('aborts a stream while it runs', async () => {
    upstream.respond({ type: 'completion', text: 'one two three four five six', chunkDelayMs: 200 });
    const cancellation = new CancellationSource();
    const stream = await model().doStream(createChatRequest('auto', 'hi'), options(cancellation));
    const parts: string[] = [];
    for await (const part of stream.parts) {
      parts.push(part.type);
      if (part.type === 'text-delta') cancellation.abort();
    }
    expect(parts.at(-1)).toBe('error');
    expect(await upstream.requests[0]?.closed).toBe('aborted');
  });
});
