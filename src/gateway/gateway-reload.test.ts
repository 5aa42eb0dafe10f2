import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { ShutdownError } from '../errors/shutdown-error.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import type { StreamPart } from '../spec/stream-part.js';
import { CancellationSource } from '../util/cancellation.js';
import { Gateway } from './gateway.js';

/** A gateway that replaces another (a config reload), and requests the server stops (a shutdown). */

const config = (cheapReply = 'cheap answer', extra = ''): ReturnType<typeof parseConfig> =>
  parseConfig(
    `
providers:
  rehearsal: { type: mock, latency_ms: 0, chunk_delay_ms: 20, reply: "${cheapReply}" }
  other: { type: mock, latency_ms: 0 }
models:
  cheap: { provider: rehearsal, price: { input: 1, output: 2 } }
  dear: { provider: other, price: { input: 3, output: 4 } }
${extra}`,
    'reload.yaml',
    { env: {} },
  );

function openCircuit(gateway: Gateway, model: string): void {
  const breaker = gateway.breakers.get(model);
  for (let failure = 0; failure < 5; failure++) breaker?.recordFailure();
  expect(breaker?.state()).toBe('open');
}

describe('a gateway that replaces another', () => {
  it('shares the trace store and metrics, which retiring the old one leaves open', async () => {
    const old = await Gateway.create(config());
    const next = await Gateway.create(config(), { predecessor: old });
    expect(next.store).toBe(old.store);
    expect(next.metrics).toBe(old.metrics);

    await old.retire();
    const outcome = await next.generate(createChatRequest('dear', 'hello'), { signal: new AbortController().signal });
    expect(outcome.type).toBe('completion');
    expect((await next.store.get(outcome.traceId))?.trace.status).toBe('ok');
    await next.close();
  });

  it('keeps the circuit state of the deployments the new config did not change, and starts the changed ones closed', async () => {
    const old = await Gateway.create(config());
    openCircuit(old, 'cheap');
    openCircuit(old, 'dear');
    // `rehearsal` changes (its reply); `other`, and so `dear`, does not.
    const next = await Gateway.create(config('a new reply'), { predecessor: old });
    expect(next.breakers.get('dear')?.state()).toBe('open');
    expect(next.breakers.get('cheap')?.state()).toBe('closed');
    const body = await next.metrics.render();
    expect(body).toContain('switchyard_circuit_breaker_state{model="dear",provider="other"} 2');
    expect(body).toContain('switchyard_circuit_breaker_state{model="cheap",provider="rehearsal"} 0');
    await old.retire();
    await next.close();
  });
});

describe('a request the server stops', () => {
  it('ends a stream with a shutdown error part and traces it as shutdown, not aborted', async () => {
    const gateway = await Gateway.create(config('one two three four five six seven eight nine ten'));
    const cancellation = new CancellationSource();
    const outcome = await gateway.stream(createChatRequest('cheap', 'hello', { stream: true }), { signal: cancellation });
    if (outcome.type !== 'stream') throw new Error(`expected a stream, got ${outcome.type}`);
    const parts: StreamPart[] = [];
    for await (const part of outcome.parts) {
      parts.push(part);
      if (parts.length === 2) cancellation.abort(new ShutdownError('stopping'));
    }
    const last = parts.at(-1);
    expect(last?.type === 'error' && last.error.kind).toBe('shutdown');
    const stored = await gateway.store.get(outcome.traceId);
    expect(stored?.trace.status).toBe('shutdown');
    expect(stored?.trace.error).toMatchObject({ kind: 'shutdown', retryable: true });
    await gateway.close();
  });

  it('still traces a client that went away as aborted', async () => {
    const gateway = await Gateway.create(config('one two three four five six seven eight nine ten'));
    const cancellation = new CancellationSource();
    const outcome = await gateway.stream(createChatRequest('cheap', 'hello', { stream: true }), { signal: cancellation });
    if (outcome.type !== 'stream') throw new Error(`expected a stream, got ${outcome.type}`);
    let seen = 0;
    for await (const part of outcome.parts) {
      void part;
      if (++seen === 2) cancellation.abort();
    }
    expect((await gateway.store.get(outcome.traceId))?.trace.status).toBe('aborted');
    await gateway.close();
  });
});
