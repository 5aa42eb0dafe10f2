import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-openai-upstream.js';
import { openaiClient } from '../support/policy-test-helpers.js';
import { startGateway, testConfig, type TestGateway } from '../support/start-gateway.js';
import { OtelSink } from '../../src/telemetry/otel-sink.js';

/** OpenTelemetry: spans reach whatever SDK the operator registers, with GenAI attributes and the routing decision. */

const exporter = new InMemorySpanExporter();
let upstream: FakeUpstream;
let gateway: TestGateway;

beforeAll(async () => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  upstream = await startFakeUpstream();
  gateway = await startGateway(testConfig(upstream.url));
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
  trace.disable();
  propagation.disable();
});

describe('OpenTelemetry spans', () => {
  it('writes a request span with the decision and one CLIENT span per model call, GenAI attributes included', async () => {
    exporter.reset();
    // The code route's coder fails once (500), its router fallback cheap answers.
    upstream.enqueue({ type: 'error', status: 500, message: 'boom sk-test-secret-key-123456' }, { type: 'completion', text: 'ok', usage: { prompt_tokens: 12, completion_tokens: 3 } });
    const { response } = await openaiClient(gateway).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'debug my python' }] }).withResponse();
    const traceId = response.headers.get('x-switchyard-trace-id');
    const spans = exporter.getFinishedSpans();
    const root = spans.find((span) => span.attributes['switchyard.trace_id'] === traceId);
    expect(root?.name).toBe('switchyard route auto');
    expect(root?.attributes).toMatchObject({ 'switchyard.router': 'auto', 'switchyard.route': 'code', 'switchyard.model': 'cheap', 'switchyard.policy': 'single', 'switchyard.status': 'ok' });
    const children = spans.filter((span) => span.parentSpanContext?.spanId === root?.spanContext().spanId);
    expect(children.map((span) => span.name)).toEqual(['chat coder-wire', 'chat cheap-wire']);
    expect(children[0]?.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'fake', 'gen_ai.request.model': 'coder-wire', 'error.type': '500', 'switchyard.attempt.outcome': 'error' });
    expect(children[0]?.status.code).toBe(2);
    expect(children[1]?.attributes).toMatchObject({ 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 3, 'server.address': '127.0.0.1', 'switchyard.attempt.outcome': 'ok' });
    // The spans sit inside the request span's time.
    const start = (time: [number, number]) => time[0] * 1e3 + time[1] / 1e6;
    for (const child of children) expect(start(child.startTime)).toBeGreaterThanOrEqual(start(root?.startTime ?? [0, 0]) - 1);
    // Nothing of the key, even though the upstream echoed it.
    expect(JSON.stringify(spans.map((span) => ({ name: span.name, attributes: span.attributes, status: span.status })))).not.toContain('sk-test-secret-key-123456');
  });

  it('names the caller\'s key id and team, the guard\'s verdict and the budget state on the request span', async () => {
    exporter.reset();
    await openaiClient(gateway).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] });
    const real = gateway.gateway.traces.list()[0];
    if (!real) throw new Error('no trace recorded');
    const decision = {
      ...real.decision,
      guard: { model: 'guard', outcome: 'unsafe' as const, categories: ['S2'], passed: false, latencyMs: 3 },
      budget: { scope: 'team' as const, id: 'ops', limitUsd: 1, spentUsd: 0.8, reservedUsd: 0.05, fraction: 0.85, period: 'month' as const, periodEnd: 0, rule: { above: 0.8, use: 'cheap' } },
    };
    new OtelSink(new Map(), new Map()).record({ ...real, id: 'otel-caller', decision, caller: { keyId: 'key_0123', keyName: 'app', team: 'ops' } });
    const root = exporter.getFinishedSpans().find((span) => span.attributes['switchyard.trace_id'] === 'otel-caller');
    expect(root?.attributes).toMatchObject({
      'switchyard.key_id': 'key_0123',
      'switchyard.team': 'ops',
      'switchyard.guard.outcome': 'unsafe',
      'switchyard.guard.passed': false,
      'switchyard.guard.categories': ['S2'],
      'switchyard.budget.scope': 'team',
      'switchyard.budget.fraction': 0.85,
      'switchyard.budget.rule_above': 0.8,
    });
  });

  it('marks a failed request as an error span', async () => {
    exporter.reset();
    upstream.enqueue({ type: 'error', status: 500 }, { type: 'error', status: 500 });
    await expect(openaiClient(gateway).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'debug my python' }] })).rejects.toThrow();
    const root = exporter.getFinishedSpans().find((span) => span.name === 'switchyard route auto');
    expect(root?.attributes['switchyard.status']).toBe('error');
    expect(root?.status.code).toBe(2);
  });

  it('names the answer of an embeddings request an `embeddings` operation', async () => {
    const embedding = await startGateway(`
providers:
  fake: { type: openai, base_url: "${upstream.url}", api_key: "sk-test-secret-key-123456" }
models:
  emb: { provider: fake, model: emb-wire, price: { input: 0.02 }, embedding: { dimensions: 64 } }
`);
    try {
      exporter.reset();
      await openaiClient(embedding).embeddings.create({ model: 'emb', input: 'hello' });
      const child = exporter.getFinishedSpans().find((span) => span.attributes['switchyard.model'] === 'emb');
      expect(child?.name).toBe('embeddings emb-wire');
      expect(child?.attributes).toMatchObject({ 'gen_ai.operation.name': 'embeddings', 'switchyard.attempt.role': 'answer', 'gen_ai.usage.input_tokens': 1 });
    } finally {
      await embedding.close();
    }
  });

  it("continues the caller's trace when it sends a traceparent, and ignores a malformed one", async () => {
    exporter.reset();
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const headers = { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` };
    await openaiClient(gateway).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }, { headers });
    const root = exporter.getFinishedSpans().find((span) => span.name === 'switchyard route auto');
    expect(root?.spanContext().traceId).toBe(callerTrace);
    expect(root?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    const child = exporter.getFinishedSpans().find((span) => span.name === 'chat cheap-wire');
    expect(child?.spanContext().traceId).toBe(callerTrace);

    exporter.reset();
    await openaiClient(gateway).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }, { headers: { traceparent: 'not-a-traceparent' } });
    const fresh = exporter.getFinishedSpans().find((span) => span.name === 'switchyard route auto');
    expect(fresh?.spanContext().traceId).not.toBe(callerTrace);
    expect(fresh?.parentSpanContext).toBeUndefined();
  });
});
