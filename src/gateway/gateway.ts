import type { ResolvedConfig } from '../config/resolved-config.js';
import { NoAvailableModelError, NoCompatibleModelError } from '../errors/execution-errors.js';
import { AbortedError } from '../errors/request-errors.js';
import type { SwitchyardError } from '../errors/switchyard-error.js';
import { CircuitBreakers } from '../execution/circuit-breaker.js';
import { executeGenerate, executeStream, type ExecutionContext, type ExecutionOptions } from '../execution/executor.js';
import { createProvider } from '../providers/provider-registry.js';
import { Routing, type RoutingHints, type RoutingResult } from '../routing/routing.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { ChatResult } from '../spec/chat-result.js';
import type { Decision, FilteredCandidate } from '../spec/decision.js';
import type { LanguageModel } from '../spec/language-model.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { Provider } from '../spec/provider.js';
import type { StreamPart } from '../spec/stream-part.js';
import type { Attempt, Trace } from '../spec/trace.js';
import { loadTokenizer } from '../tokens/count-tokens.js';
import { TraceBuilder } from './trace-builder.js';
import { RecentTraces, type TraceSink } from './trace-sink.js';

export type GatewayOptions = {
  /** Extra trace sinks (the in-memory RecentTraces is always there). */
  sinks?: readonly TraceSink[];
  /** Clock for circuit breakers (tests move time instead of waiting). */
  now?: () => number;
  /** Jitter source for retry delays. */
  random?: () => number;
};

export type CallContext = {
  /** Aborts every upstream call of the request (the client went away). */
  signal: AbortSignal;
  hints?: RoutingHints;
};

/** Fields every outcome has, so the edge can write the contract headers whatever happened. */
type OutcomeBase = { traceId: string; decision: Decision };

export type GenerateOutcome = OutcomeBase &
  (
    | { type: 'completion'; trace: Trace; result: ChatResult; model: ModelSpec }
    | { type: 'blocked'; trace: Trace; message: string }
    | { type: 'error'; trace: Trace; error: SwitchyardError }
  );

export type StreamOutcome = OutcomeBase &
  (
    | {
        type: 'stream';
        model: ModelSpec;
        /** Attempts made so far, the committed one included. */
        attemptCount: number;
        /** Ends with a `usage` part, or an `error` part. The trace is recorded when it ends. */
        parts: AsyncGenerator<StreamPart>;
      }
    | { type: 'blocked'; trace: Trace; message: string }
    | { type: 'error'; trace: Trace; error: SwitchyardError }
  );

/**
 * The library's front door: routes a request, executes the plan, accounts cost and records the
 * trace. The HTTP server and the CLI are thin layers over it.
 */
export class Gateway {
  readonly routing: Routing;
  readonly traces = new RecentTraces();
  /** One per model deployment; routing skips open ones. */
  readonly breakers: CircuitBreakers;
  private readonly random: () => number;
  private readonly models = new Map<string, LanguageModel>();
  private readonly providers: Provider[] = [];
  private readonly sinks: TraceSink[];

  private constructor(
    readonly config: ResolvedConfig,
    options: GatewayOptions,
  ) {
    this.breakers = new CircuitBreakers(config.models.values(), options.now);
    this.routing = new Routing(config, { health: this.breakers });
    this.random = options.random ?? Math.random;
    this.sinks = [this.traces, ...(options.sinks ?? [])];
    const byName = new Map<string, Provider>();
    for (const provider of config.providers.values()) {
      if (provider.disabled) continue;
      const instance = createProvider(provider);
      byName.set(provider.name, instance);
      this.providers.push(instance);
    }
    for (const spec of config.models.values()) {
      const provider = byName.get(spec.provider);
      if (provider) this.models.set(spec.name, provider.languageModel(spec));
    }
  }

  static async create(config: ResolvedConfig, options: GatewayOptions = {}): Promise<Gateway> {
    await loadTokenizer();
    return new Gateway(config, options);
  }

  /** The Decision, without calling any model (`POST /v1/route`, `switchyard route`). */
  route(request: ChatRequest, hints?: RoutingHints): RoutingResult {
    return this.routing.route(request, hints);
  }

  /** Routers and the models that can serve now (their provider is enabled). */
  listModels(): { routers: string[]; models: ModelSpec[] } {
    return {
      routers: [...this.config.routers.keys()],
      models: [...this.config.models.values()].filter((spec) => this.models.has(spec.name)),
    };
  }

  /** Throws (before any trace exists) only for an unknown model or an invalid routing hint. */
  async generate(request: ChatRequest, context: CallContext): Promise<GenerateOutcome> {
    const start = this.start(request, context);
    if (start.type !== 'plan') return start;
    const { routed, builder, base } = start;
    const execution = await executeGenerate(routed.plan, routed.request, this.executionContext(context), executionOptions(routed));
    if (!execution.ok) return { ...base, ...this.failed(builder, execution.error, execution.attempts, execution.skipped) };
    const trace = this.record(builder.finish({ status: 'ok', model: execution.spec, attempts: execution.attempts, skipped: execution.skipped }));
    return { ...base, type: 'completion', trace, result: execution.result, model: execution.spec };
  }

  async stream(request: ChatRequest, context: CallContext): Promise<StreamOutcome> {
    const start = this.start(request, context);
    if (start.type !== 'plan') return start;
    const { routed, builder, base } = start;
    const execution = await executeStream(routed.plan, routed.request, this.executionContext(context), executionOptions(routed));
    if (!execution.ok) return { ...base, ...this.failed(builder, execution.error, execution.attempts, execution.skipped) };
    return {
      ...base,
      type: 'stream',
      model: execution.spec,
      attemptCount: execution.attempts.length + 1,
      parts: this.traced(execution.parts, builder, execution.spec, execution.attempts, execution.skipped),
    };
  }

  /** Routes and opens the trace; answers at once when the request is blocked or no model is left to try. */
  private start(
    request: ChatRequest,
    context: CallContext,
  ):
    | (OutcomeBase & ({ type: 'blocked'; trace: Trace; message: string } | { type: 'error'; trace: Trace; error: SwitchyardError }))
    | { type: 'plan'; routed: RoutingResult; builder: TraceBuilder; base: OutcomeBase } {
    const routed = this.routing.route(request, context.hints);
    const builder = new TraceBuilder(request.model, request.stream, routed.decision, this.config.models, routed.reference);
    const base: OutcomeBase = { traceId: builder.id, decision: routed.decision };
    if (routed.decision.block) {
      const trace = this.record(builder.finish({ status: 'blocked', model: undefined, attempts: [] }));
      return { ...base, type: 'blocked', message: routed.decision.block.message, trace };
    }
    if (routed.plan.length === 0) return { ...base, ...this.noModel(builder, routed.decision) };
    return { type: 'plan', routed, builder, base };
  }

  async close(): Promise<void> {
    await Promise.all(this.providers.map((provider) => provider.close()));
  }

  /** Passes the stream through and records the trace when it ends, however it ends. */
  private async *traced(
    parts: AsyncGenerator<StreamPart>,
    builder: TraceBuilder,
    spec: ModelSpec,
    attempts: Attempt[],
    skipped: FilteredCandidate[],
  ): AsyncGenerator<StreamPart> {
    let error: SwitchyardError | undefined;
    let ended = false;
    try {
      for await (const part of parts) {
        if (part.type === 'error') error = part.error;
        yield part;
      }
      ended = true;
    } finally {
      if (!ended) await parts.return(undefined);
      const status = error ? failureStatus(error) : ended ? 'ok' : 'aborted';
      const failure = error ?? (ended ? undefined : new AbortedError('The client disconnected during the stream.'));
      this.record(builder.finish({ status, model: spec, attempts, skipped, ...(failure ? { error: failure } : {}) }));
    }
  }

  private executionContext(context: CallContext): ExecutionContext {
    return { signal: context.signal, models: this.models, breakers: this.breakers, random: this.random };
  }

  /** Every candidate was filtered out: by the request's own needs (400), or by the gateway's state (503). */
  private noModel(builder: TraceBuilder, decision: Decision): { type: 'error'; trace: Trace; error: SwitchyardError } {
    const where = decision.router === null ? `model "${decision.requested}"` : `router "${decision.router}", route "${decision.route}"`;
    const incompatible = decision.filtered.filter((item) => item.reason === 'capability' || item.reason === 'context_window');
    const missingEnv = [...new Set(decision.filtered.flatMap((item) => this.missingEnvOf(item.model)))];
    if (incompatible.length > 0 && missingEnv.length === 0) {
      const reasons = incompatible.map((item) => `${item.model}: ${item.detail}`).join('; ');
      return this.failed(builder, new NoCompatibleModelError(`No model of ${where} can take this request. ${reasons}.`, incompatible), []);
    }
    const message =
      missingEnv.length > 0
        ? `No model is available for ${where}: their providers have no credentials. Set ${missingEnv.length === 1 ? '' : 'one of '}${missingEnv.join(', ')} and restart the gateway.`
        : `No model is available for ${where}.`;
    return this.failed(builder, new NoAvailableModelError(message, { filtered: decision.filtered, missingEnv }), []);
  }

  private missingEnvOf(model: string): string[] {
    const spec = this.config.models.get(model);
    return (spec && this.config.providers.get(spec.provider)?.disabled?.missingEnv) ?? [];
  }

  private failed(
    builder: TraceBuilder,
    error: SwitchyardError,
    attempts: Attempt[],
    skipped: FilteredCandidate[] = [],
  ): { type: 'error'; trace: Trace; error: SwitchyardError } {
    return { type: 'error', error, trace: this.record(builder.finish({ status: failureStatus(error), model: undefined, attempts, skipped, error })) };
  }

  private record(trace: Trace): Trace {
    for (const sink of this.sinks) sink.record(trace);
    return trace;
  }
}

/** A client that went away is an aborted request, not a failed one. */
function failureStatus(error: SwitchyardError): 'aborted' | 'error' {
  return error.kind === 'aborted' ? 'aborted' : 'error';
}

function executionOptions(routed: RoutingResult): ExecutionOptions {
  return { failoverOnContentFilter: routed.failoverOnContentFilter, forced: routed.forced };
}
