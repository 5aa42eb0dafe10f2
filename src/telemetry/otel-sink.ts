import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace as otel, type Attributes, type Tracer } from '@opentelemetry/api';
import type { ProviderConfig } from '../providers/provider-config.js';
import type { TraceSink } from '../spec/trace-sink.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { Attempt, Trace } from '../spec/trace.js';

/** Version of this instrumentation: Switchyard's own. */
const VERSION = '0.1.0';

/**
 * OpenTelemetry spans through `@opentelemetry/api`: whatever SDK and exporter the operator
 * registers picks them up; with none registered the API's tracer is a no-op and each trace costs
 * one non-recording span (attributes are built only for a recording span). Per request, a
 * `switchyard.request` span with the routing decision under `switchyard.*`; under it one CLIENT
 * span per model call with the GenAI semantic-convention attributes (v1.41 names). Spans are written when the request ends, with their real start and end
 * times. Never prompt or answer text, never a key.
 */
export class OtelSink implements TraceSink {
  private readonly tracer: Tracer = otel.getTracer('switchyard', VERSION);

  constructor(
    private readonly models: ReadonlyMap<string, ModelSpec>,
    private readonly providers: ReadonlyMap<string, ProviderConfig>,
  ) {}

  record(trace: Trace): void {
    const end = trace.startedAt + trace.latencyMs;
    // The caller's trace, when it sent one and the operator registered a propagator (the SDKs register W3C's).
    const caller = trace.traceContext ? propagation.extract(ROOT_CONTEXT, trace.traceContext) : context.active();
    const root = this.tracer.startSpan(
      trace.router === null ? `switchyard ${trace.requested}` : `switchyard route ${trace.router}`,
      { kind: SpanKind.INTERNAL, startTime: trace.startedAt },
      caller,
    );
    if (!root.isRecording()) {
      // No SDK, or not sampled: nothing reads the attributes, so they are not even built.
      root.end(end);
      return;
    }
    root.setAttributes(requestAttributes(trace));
    const parent = otel.setSpan(caller, root);
    for (const attempt of trace.attempts) this.attemptSpan(attempt, trace, parent);
    if (trace.status === 'error' || trace.status === 'shutdown') root.setStatus({ code: SpanStatusCode.ERROR, message: trace.error?.message ?? 'error' });
    root.end(end);
  }

  private attemptSpan(attempt: Attempt, trace: Trace, parent: ReturnType<typeof context.active>): void {
    const spec = this.models.get(attempt.model);
    // An encoder's call for routing, or the answer of an embeddings request (`/v1/embeddings`).
    const operation = attempt.role === 'embedding' || spec?.embedding ? 'embeddings' : 'chat';
    const wireModel = spec?.wireModel ?? attempt.model;
    const attributes: Attributes = {
      'gen_ai.operation.name': operation,
      'gen_ai.provider.name': attempt.provider,
      'gen_ai.request.model': wireModel,
      'gen_ai.request.stream': trace.stream && attempt.role === 'answer',
      'switchyard.model': attempt.model,
      'switchyard.attempt.role': attempt.role,
      'switchyard.attempt.retry': attempt.retry,
      'switchyard.attempt.outcome': attempt.outcome,
    };
    const server = serverOf(this.providers.get(attempt.provider));
    if (server) {
      attributes['server.address'] = server.address;
      attributes['server.port'] = server.port;
    }
    if (attempt.step !== undefined) attributes['switchyard.attempt.step'] = attempt.step;
    if (attempt.usage?.inputTokens !== undefined) attributes['gen_ai.usage.input_tokens'] = attempt.usage.inputTokens;
    if (attempt.usage?.outputTokens !== undefined) attributes['gen_ai.usage.output_tokens'] = attempt.usage.outputTokens;
    if (attempt.usage?.cachedInputTokens !== undefined) attributes['gen_ai.usage.cache_read.input_tokens'] = attempt.usage.cachedInputTokens;
    if (attempt.usage?.reasoningTokens !== undefined) attributes['gen_ai.usage.reasoning.output_tokens'] = attempt.usage.reasoningTokens;
    if (attempt.firstTokenMs !== undefined) attributes['gen_ai.response.time_to_first_chunk'] = attempt.firstTokenMs / 1000;
    if (attempt.costUsd !== undefined) attributes['switchyard.cost_usd'] = attempt.costUsd;
    if (attempt.error) attributes['error.type'] = attempt.error.status === undefined ? attempt.error.kind : String(attempt.error.status);
    const span = this.tracer.startSpan(`${operation} ${wireModel}`, { kind: SpanKind.CLIENT, startTime: attempt.startedAt, attributes }, parent);
    if (attempt.outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR, message: attempt.error?.message ?? 'error' });
    span.end(attempt.startedAt + attempt.durationMs);
  }
}

/** The routing decision and the request's outcome (no standard attributes exist for them). */
function requestAttributes(trace: Trace): Attributes {
  const attributes: Attributes = {
    'switchyard.trace_id': trace.id,
    'switchyard.requested': trace.requested,
    'switchyard.status': trace.status,
    'switchyard.stream': trace.stream,
    'switchyard.policy': trace.decision.policy,
    'switchyard.signals': trace.decision.signals.map((signal) => signal.signal),
    'switchyard.candidates': trace.decision.candidates.map((candidate) => candidate.model),
  };
  if (trace.router !== null) attributes['switchyard.router'] = trace.router;
  if (trace.route !== null) attributes['switchyard.route'] = trace.route;
  if (trace.model !== null) attributes['switchyard.model'] = trace.model;
  if (trace.costUsd !== undefined) attributes['switchyard.cost_usd'] = trace.costUsd;
  if (trace.referenceCostUsd !== undefined) attributes['switchyard.reference_cost_usd'] = trace.referenceCostUsd;
  if (trace.savingsUsd !== undefined) attributes['switchyard.savings_usd'] = trace.savingsUsd;
  if (trace.firstTokenMs !== undefined) attributes['switchyard.first_token_ms'] = trace.firstTokenMs;
  if (trace.decision.classification) attributes['switchyard.classification.outcome'] = trace.decision.classification.outcome;
  if (trace.decision.similarity) attributes['switchyard.similarity.outcome'] = trace.decision.similarity.outcome;
  if (trace.decision.block) attributes['switchyard.blocked'] = true;
  // Who called (a virtual key's id and team, never its secret), what the guard said, what budget routing read.
  if (trace.caller) {
    attributes['switchyard.key_id'] = trace.caller.keyId;
    if (trace.caller.team !== undefined) attributes['switchyard.team'] = trace.caller.team;
  }
  const { guard, budget } = trace.decision;
  if (guard) {
    attributes['switchyard.guard.outcome'] = guard.outcome;
    attributes['switchyard.guard.passed'] = guard.passed;
    if (guard.categories.length > 0) attributes['switchyard.guard.categories'] = guard.categories;
  }
  if (budget) {
    attributes['switchyard.budget.scope'] = budget.scope;
    attributes['switchyard.budget.fraction'] = budget.fraction;
    if (budget.rule) attributes['switchyard.budget.rule_above'] = budget.rule.above;
  }
  return attributes;
}

const serverCache = new WeakMap<ProviderConfig, { address: string; port: number } | undefined>();

/** The upstream's host and port, from its base URL (never its key). */
function serverOf(provider: ProviderConfig | undefined): { address: string; port: number } | undefined {
  if (provider?.upstreamUrl === undefined) return undefined;
  if (serverCache.has(provider)) return serverCache.get(provider);
  let server: { address: string; port: number } | undefined;
  try {
    const url = new URL(provider.upstreamUrl);
    server = { address: url.hostname, port: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port) };
  } catch {
    server = undefined;
  }
  serverCache.set(provider, server);
  return server;
}
