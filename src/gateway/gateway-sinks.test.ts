import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import type { Trace } from '../spec/trace.js';
import { Gateway } from './gateway.js';
import { handleMetrics } from '../server/handlers/metrics.js';
import type { HandlerContext } from '../server/handlers/handler-context.js';

/** When the trace reaches each sink: the in-memory list at once, the others right after the response. */

const CONFIG = `
providers:
  rehearsal: { type: mock, latency_ms: 0 }
models:
  cheap: { provider: rehearsal, price: { input: 1, output: 2 } }
`;

async function gatewayWithSink(): Promise<{ gateway: Gateway; seen: Trace[] }> {
  const seen: Trace[] = [];
  const gateway = await Gateway.create(parseConfig(CONFIG, 'sinks.yaml', { env: {} }), { sinks: [{ record: (trace) => seen.push(trace) }] });
  return { gateway, seen };
}

describe('trace sinks', () => {
  it('hands the trace to the sinks after the call returns, and to the in-memory list before', async () => {
    const { gateway, seen } = await gatewayWithSink();
    const outcome = await gateway.generate(createChatRequest('cheap', 'hello'), { signal: new AbortController().signal });
    // The caller (the HTTP edge) writes its response here: no sink has run yet.
    expect(seen).toHaveLength(0);
    expect(gateway.traces.get(outcome.traceId)?.id).toBe(outcome.traceId);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.map((trace) => trace.id)).toEqual([outcome.traceId]);
    await gateway.close();
  });

  it('keeps no trace in memory with recentTraces: 0 (what serve does), and the sinks and the store still get it', async () => {
    const seen: Trace[] = [];
    const gateway = await Gateway.create(parseConfig(CONFIG, 'sinks.yaml', { env: {} }), { sinks: [{ record: (trace) => seen.push(trace) }], recentTraces: 0 });
    const outcome = await gateway.generate(createChatRequest('cheap', 'hello'), { signal: new AbortController().signal });
    expect(gateway.traces.list()).toEqual([]);
    expect(gateway.traces.get(outcome.traceId)).toBeUndefined();
    expect((await gateway.store.get(outcome.traceId))?.trace.id).toBe(outcome.traceId);
    expect(seen.map((trace) => trace.id)).toEqual([outcome.traceId]);
    await gateway.close();
  });

  it('lets a store read that follows a call see its trace, with no wait by the caller', async () => {
    const { gateway } = await gatewayWithSink();
    const outcome = await gateway.generate(createChatRequest('cheap', 'hello'), { signal: new AbortController().signal });
    expect((await gateway.store.get(outcome.traceId))?.trace.id).toBe(outcome.traceId);
    expect((await gateway.store.list({ limit: 10 })).traces.map((trace) => trace.id)).toEqual([outcome.traceId]);
    await gateway.close();
  });

  it('counts, in /metrics, a request that ended in the same turn of the event loop as the scrape', async () => {
    const { gateway } = await gatewayWithSink();
    await gateway.generate(createChatRequest('cheap', 'one'), { signal: new AbortController().signal });
    // No turn of the event loop in between: the sinks have not run yet when the scrape starts.
    let body = '';
    const response = { writeHead: () => response, end: (text: string) => (body = text) };
    await handleMetrics({ response, gateway, caller: { kind: 'open' } } as unknown as HandlerContext);
    expect(body).toMatch(/switchyard_requests_total\{[^}]*model="cheap"[^}]*\} 1/);
    await gateway.close();
  });

  it('settles on demand (what /metrics does before it renders) and on close', async () => {
    const { gateway, seen } = await gatewayWithSink();
    await gateway.generate(createChatRequest('cheap', 'one'), { signal: new AbortController().signal });
    gateway.settle();
    expect(seen).toHaveLength(1);
    expect(await gateway.metrics.render()).toMatch(/switchyard_requests_total\{[^}]*model="cheap"[^}]*\} 1/);
    await gateway.generate(createChatRequest('cheap', 'two'), { signal: new AbortController().signal });
    await gateway.close();
    expect(seen).toHaveLength(2);
  });
});
