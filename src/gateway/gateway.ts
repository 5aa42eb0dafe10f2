import { isDeepStrictEqual } from 'node:util';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { DeploymentQuotaError, NoAvailableModelError, NoCompatibleModelError } from '../errors/execution-errors.js';
import { StartupError } from '../errors/startup-error.js';
import { SwitchyardError } from '../errors/switchyard-error.js';
import { CircuitBreakers } from '../execution/circuit-breaker.js';
import { shareCircuitBreakers } from '../execution/share-circuit-breakers.js';
import type { SharedBreakers } from '../state/shared-breakers.js';
import type { SharedLoad } from '../state/shared-load.js';
import type { SharedAnswers } from '../routing/signals/shared-answers.js';
import { DeploymentLoad } from '../execution/deployment-load.js';
import { DeploymentQuotas } from '../execution/deployment-quota.js';
import { executeCall, executeGenerate, type ExecutionContext, type ExecutionOptions } from '../execution/executor.js';
import { EmbeddingCache } from '../routing/signals/embedding-cache.js';
import type { SignalCall, SignalModels } from '../routing/signal-models.js';
import type { EmbeddingModel } from '../spec/embedding-model.js';
import type { Moderation, ModerationModel } from '../spec/moderation-model.js';
import { estimatedModerationUsage } from './moderation-usage.js';
import { createProvider } from '../providers/provider-registry.js';
import { Routing, type RoutingHints, type RoutingResult } from '../routing/routing.js';
import type { DeploymentHealth } from '../routing/filter-candidates.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { QualityObservation, QualityObserver } from '../spec/quality-observation.js';
import type { QualityReading } from '../spec/quality-reading.js';
import type { ChatResult } from '../spec/chat-result.js';
import type { Decision, FilteredCandidate } from '../spec/decision.js';
import type { LanguageModel } from '../spec/language-model.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { Provider } from '../spec/provider.js';
import type { StreamPart } from '../spec/stream-part.js';
import type { Attempt, Trace, TraceContext } from '../spec/trace.js';
import type { TraceNote } from '../spec/trace-note.js';
import type { RateLimitSnapshot } from '../spec/rate-limit.js';
import type { KeyGovernor } from '../keys/admission.js';
import { traceCallerOf, type Caller } from '../keys/caller.js';
import { answeringAttempts } from '../spec/attempt-rules.js';
import { promptRecord } from './prompt-record.js';
import { SqliteTraceStore } from '../telemetry/sqlite-trace-store.js';
import type { TraceStore } from '../telemetry/trace-store.js';
import { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import { OtelSink } from '../telemetry/otel-sink.js';
import { sameDeployment } from './same-deployment.js';
import { embed, type EmbedOutcome, type EmbeddingGateway } from './gateway-embed.js';
import type { EmbeddingRequest } from '../spec/embedding-request.js';
import { unitVector } from '../util/unit-vector.js';
import { runBatch, type BatchItem, type BatchOptions, type BatchResult } from './gateway-batch.js';
import { TraceBuilder } from './trace-builder.js';
import { TracedStream } from './traced-stream.js';
import { routeAdmitted } from './route-admitted.js';
import { Cancellation, toCancellation } from '../util/cancellation.js';
import { RecentTraces, type TraceSink } from './trace-sink.js';
import { ShadowLedger, type ShadowBudget } from './shadow/shadow-ledger.js';
import { ShadowRunner } from './shadow/shadow-runner.js';
import type { ShadowSpec } from '../spec/shadow-spec.js';
import { merged } from '../util/merged.js';

export type GatewayOptions = {
  /** Extra trace sinks, called right after each response (`traces`, the in-memory list, gets the trace at once). */
  sinks?: readonly TraceSink[];
  /**
   * How many finished traces `gateway.traces` keeps in memory (default 1,000). 0 keeps none: a
   * server reads traces from its store, and a trace held in memory for the next 1,000 requests
   * outlives the young generation, so each one is copied and promoted to the old one by the GC.
   */
  recentTraces?: number;
  /** The trace store: every trace is written to it, the traces API and stats read it, and the gateway closes it. Default: an in-memory store of the last 1,000 traces. */
  store?: TraceStore;
  /** Export Node's process metrics (CPU, memory, event loop) on /metrics too; off by default for library use. */
  processMetrics?: boolean;
  /** Clock for circuit breakers (tests move time instead of waiting). */
  now?: () => number;
  /** Jitter source for retry delays and draws for weighted load balancing. */
  random?: () => number;
  /**
   * The gateway this one replaces (a config reload): this one shares its trace store and metrics
   * (`store` and `processMetrics` are ignored) and keeps the circuit state of every deployment the
   * new config did not change. Retire the predecessor (`retire()`) once its requests are done.
   */
  predecessor?: Gateway;
  /** Admits requests of virtual keys under their allow lists, rate limits and budgets (a reload keeps the predecessor's). */
  governor?: KeyGovernor;
  /** Circuit breakers shared with the other gateways on one Redis (a reload keeps the predecessor's); undefined: this process's own. */
  sharedBreakers?: SharedBreakers | undefined;
  /** Classifier labels and request embeddings shared with the other gateways on one Redis (a reload keeps the predecessor's). */
  sharedAnswers?: SharedAnswers | undefined;
  /** Calls in flight of the other gateways on one Redis, for `loadbalance` (a reload keeps the predecessor's). */
  sharedLoad?: SharedLoad | undefined;
  /** The routers' daily shadow budgets counted for every gateway on one Redis (a reload keeps the predecessor's); undefined: this process's own. */
  shadowBudget?: ShadowBudget | undefined;
  /** Gets every quality score of a routed answer (shadow judge, feedback); a reload keeps the predecessor's. */
  qualityObserver?: QualityObserver | undefined;
};

export type CallContext = {
  /** Aborts every upstream call of the request (the client went away). A Cancellation costs less than an AbortSignal: the server's. */
  signal: AbortSignal | Cancellation;
  hints?: RoutingHints;
  /** The caller's W3C trace context (`traceparent`, `tracestate` headers), continued by the request's spans. */
  traceContext?: TraceContext | undefined;
  /** Who sent it (the key it presented); undefined: a library call, with no key and no limits. */
  caller?: Caller | undefined;
};

/** Fields every outcome has, so the edge can write the contract headers whatever happened. `rateLimit`: the caller's standing under its key's limits. */
type OutcomeBase = { traceId: string; decision: Decision; rateLimit?: RateLimitSnapshot | undefined };

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
        /** Answering attempts made so far, the committed one included. */
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
  /** The last finished traces, newest first (`recentTraces` of them). */
  readonly traces: RecentTraces;
  /** One per model deployment; routing skips open ones. */
  readonly breakers: CircuitBreakers;
  /** Calls in flight and time to first token per deployment (for `loadbalance`). */
  readonly load = new DeploymentLoad();
  /** The provider quota of each deployment with `limits`: routing skips a full one, each call is admitted against it. */
  readonly quotas: DeploymentQuotas;
  private readonly random: () => number;
  private readonly models = new Map<string, LanguageModel>();
  private readonly embeddingModels = new Map<string, EmbeddingModel>();
  /** The models routers' `guard: { type: moderation }` name, at their moderation endpoint. */
  private readonly moderationModels = new Map<string, ModerationModel>();
  private readonly providers: Provider[] = [];
  private readonly sinks: TraceSink[];
  /** The trace store the traces API and stats read (through its interface: the database stays inside it). */
  readonly store: TraceStore;
  /** Prometheus metrics of every request (`GET /metrics`). */
  readonly metrics: GatewayMetrics;
  /** Virtual keys' limits and budgets (shared along a reload chain); undefined: no request is limited. */
  readonly governor: KeyGovernor | undefined;
  private readonly sharedBreakers: SharedBreakers | undefined;
  private readonly sharedAnswers: SharedAnswers | undefined;
  private readonly sharedLoad: SharedLoad | undefined;
  private readonly qualityObserver: QualityObserver | undefined;
  /** Shadow evaluation of the routers with `shadow:`; undefined when none has one (no request pays for it). */
  readonly shadow: ShadowRunner | undefined;
  /** The shadow's daily spend (a reload keeps the predecessor's, so a reload does not reset the budget). */
  private readonly shadowLedger: ShadowBudget;
  /** The gateway of a reload chain that serves now: the metrics the chain shares read its breakers. */
  private readonly serving: { gateway: Gateway };

  private constructor(
    readonly config: ResolvedConfig,
    options: GatewayOptions,
  ) {
    this.traces = new RecentTraces(options.recentTraces);
    const predecessor = options.predecessor;
    this.breakers = new CircuitBreakers(config.models.values(), options.now, (model) =>
      predecessor && sameDeployment(predecessor.config, config, model) ? predecessor.breakers.get(model) : undefined,
    );
    this.quotas = new DeploymentQuotas(config.models.values(), options.now, (model, limits) =>
      predecessor && sameDeployment(predecessor.config, config, model) && isDeepStrictEqual(predecessor.quotas.get(model)?.limits, limits) ? predecessor.quotas.get(model) : undefined,
    );
    this.random = options.random ?? Math.random;
    this.governor = predecessor?.governor ?? options.governor;
    this.sharedBreakers = predecessor?.sharedBreakers ?? options.sharedBreakers;
    if (this.sharedBreakers) shareCircuitBreakers(this.breakers, this.sharedBreakers);
    this.sharedAnswers = predecessor?.sharedAnswers ?? options.sharedAnswers;
    this.sharedLoad = predecessor?.sharedLoad ?? options.sharedLoad;
    this.qualityObserver = predecessor?.qualityObserver ?? options.qualityObserver;
    if (this.sharedLoad) {
      this.load.peers = this.sharedLoad;
      this.sharedLoad.attach(this.load);
    }
    const { breakers, quotas } = this;
    // Without any `limits` routing reads the breakers alone, as it did before quotas existed.
    const health: DeploymentHealth = quotas.empty ? breakers : { openUntil: (model) => breakers.openUntil(model), quotaWait: (spec, request) => quotas.wait(spec, request) };
    this.routing = new Routing(config, { health, load: this.load, models: this.signalModels(), random: this.random, sharedAnswers: this.sharedAnswers });
    this.store = predecessor?.store ?? options.store ?? SqliteTraceStore.open({ path: ':memory:', retention: { maxAgeMs: 86_400_000, maxRows: 1_000 } });
    const serving = (this.serving = predecessor?.serving ?? { gateway: this });
    this.metrics =
      predecessor?.metrics ??
      new GatewayMetrics({
        processMetrics: options.processMetrics ?? false,
        traceStore: this.store,
        keyLabels: config.server.metricsKeyLabels,
        quality: qualityReadings(this.qualityObserver),
        breakers: {
          states: () =>
            [...serving.gateway.breakers.states()].map(([model, state]) => ({ model, provider: serving.gateway.config.models.get(model)?.provider ?? 'unknown', state })),
        },
      });
    this.sinks = [this.metrics, this.store, new OtelSink(config.models, config.providers), ...(options.sinks ?? [])];
    this.shadowLedger = predecessor?.shadowLedger ?? options.shadowBudget ?? new ShadowLedger(options.now);
    this.shadow = this.shadowRunner();
    const byName = new Map<string, Provider>();
    for (const provider of config.providers.values()) {
      if (provider.disabled) continue;
      const instance = createProvider(provider);
      byName.set(provider.name, instance);
      this.providers.push(instance);
    }
    const encoders = new Set<string>();
    for (const router of config.routers.values()) if (router.encoder?.type === 'model') encoders.add(router.encoder.model);
    const moderators = new Set<string>();
    for (const router of config.routers.values()) if (router.guard?.type === 'moderation') moderators.add(router.guard.model);
    for (const spec of config.models.values()) {
      const provider = byName.get(spec.provider);
      if (!provider) continue;
      this.models.set(spec.name, provider.languageModel(spec));
      if (encoders.has(spec.name) || spec.embedding) {
        if (provider.embeddingModel) this.embeddingModels.set(spec.name, provider.embeddingModel(spec));
        // A catalog embedding model at a provider without embeddings is left unserved (requests say why); one the config names is an error.
        else if (encoders.has(spec.name) || spec.origin === 'config') {
          throw new StartupError(`model "${spec.name}" is ${encoders.has(spec.name) ? 'an encoder' : 'an embedding model'}, and its provider "${spec.provider}" has no embeddings endpoint`);
        }
      }
      if (moderators.has(spec.name)) {
        if (!provider.moderationModel) throw new StartupError(`model "${spec.name}" is a moderation guard, and its provider "${spec.provider}" has no moderation endpoint`);
        this.moderationModels.set(spec.name, provider.moderationModel(spec));
      }
    }
  }

  /**
   * Waits for the providers to be ready and embeds route examples with encoder models (from the disk cache where
   * it can): the gateway starts ready. Throws when an encoder model cannot embed them.
   */
  static async create(config: ResolvedConfig, options: GatewayOptions = {}): Promise<Gateway> {
    const gateway = new Gateway(config, options);
    try {
      await Promise.all(gateway.providers.map((provider) => provider.ready?.()));
      const prepared = await gateway.routing.prepare(new EmbeddingCache(config.storage.embeddingCache));
      gateway.warnings.push(...prepared.warnings);
    } catch (error) {
      // One that was to replace a serving gateway leaves the store and metrics to it.
      await (options.predecessor ? gateway.retire() : gateway.close());
      throw error;
    }
    gateway.serving.gateway = gateway;
    return gateway;
  }

  /** Things worth telling the operator that came up while starting (an embedding cache that could not be written). */
  readonly warnings: string[] = [];

  /** The Decision (`POST /v1/route`, `switchyard route`): no answering model is called, only a classifier or encoder the router uses. */
  async route(request: ChatRequest, hints?: RoutingHints, signal?: AbortSignal | Cancellation): Promise<RoutingResult> {
    return this.routing.route(request, hints, signal);
  }

  /** Routers, the chat models that can serve now (their provider is enabled; encoder and moderation models are not chat models), and the embedding models that can. */
  listModels(): { routers: string[]; models: ModelSpec[]; embeddingModels: ModelSpec[] } {
    const enabled = [...this.config.models.values()].filter((spec) => this.models.has(spec.name));
    return {
      routers: [...this.config.routers.keys()],
      models: enabled.filter((spec) => !spec.embedding && !spec.moderation && !this.embeddingModels.has(spec.name) && !this.moderationModels.has(spec.name)),
      embeddingModels: enabled.filter((spec) => spec.embedding && this.embeddingModels.has(spec.name)),
    };
  }

  /** `POST /v1/embeddings` (see `gateway-embed.ts`). Throws (before any trace exists) only for an unknown model or an invalid routing hint. */
  async embed(request: EmbeddingRequest, context: CallContext): Promise<EmbedOutcome> {
    this.embedding ??= {
      config: this.config,
      routing: this.routing,
      embeddingModels: this.embeddingModels,
      governor: this.governor,
      executionContext: (cancellation, startedAt) => this.executionContext(cancellation, startedAt),
      record: (trace) => this.record(trace),
      noModel: (builder, decision, attempts, request) => this.noModel(builder, decision, attempts, request),
      failed: (builder, error, attempts, skipped) => this.failed(builder, error, attempts, skipped),
      stoppedBy,
    };
    return embed(this.embedding, request, context);
  }

  private embedding: EmbeddingGateway | undefined;

  /** Throws (before any trace exists) only for an unknown model or an invalid routing hint. */
  async generate(request: ChatRequest, context: CallContext): Promise<GenerateOutcome> {
    const arrived = performance.now();
    const cancellation = toCancellation(context.signal);
    const start = await this.start(request, context, cancellation);
    if (start.type !== 'plan') return start;
    const { routed, builder, base } = start;
    const execution = withRoutingCalls(routed, await routed.run.generate(routed.steps, routed.request, this.executionContext(cancellation, arrived), executionOptions(routed)));
    if (!execution.ok) return Object.assign(this.failed(builder, stoppedBy(cancellation, execution.error), execution.attempts, execution.skipped, execution.notes), base);
    routed.served?.(execution.spec);
    const trace = this.record(builder.finish({ status: 'ok', model: execution.spec, attempts: execution.attempts, skipped: execution.skipped, notes: execution.notes }));
    this.shadow?.served(routed.decision, trace.id, routed.request, execution.spec.name, execution.result);
    return merged(base, { type: 'completion' as const, trace, result: execution.result, model: execution.spec });
  }

  /**
   * Runs many requests through `generate`, `concurrency` at a time (default 8), and yields each
   * result as it finishes; the input is read only as slots free up. Aborting `signal` stops
   * starting new ones and lets those in flight finish.
   */
  batch(items: Iterable<BatchItem> | AsyncIterable<BatchItem>, options?: BatchOptions): AsyncGenerator<BatchResult> {
    return runBatch((request, context) => this.generate(request, context), items, options);
  }

  async stream(request: ChatRequest, context: CallContext): Promise<StreamOutcome> {
    const arrived = performance.now();
    const cancellation = toCancellation(context.signal);
    const start = await this.start(request, context, cancellation);
    if (start.type !== 'plan') return start;
    const { routed, builder, base } = start;
    const execution = withRoutingCalls(routed, await routed.run.stream(routed.steps, routed.request, this.executionContext(cancellation, arrived), executionOptions(routed)));
    if (!execution.ok) return Object.assign(this.failed(builder, stoppedBy(cancellation, execution.error), execution.attempts, execution.skipped, execution.notes), base);
    routed.served?.(execution.spec);
    return {
      type: 'stream',
      ...base,
      model: execution.spec,
      attemptCount: answeringAttempts(execution.attempts) + (execution.live ? 1 : 0),
      parts: new TracedStream(
        this.shadow?.watch(routed.decision, builder.id, routed.request, execution.spec.name, execution.parts) ?? execution.parts,
        cancellation,
        stoppedBy,
        this.streamTrace(builder, execution.spec, execution.attempts, execution.skipped, execution.notes),
      ),
    };
  }

  /** Routes and opens the trace; answers at once when the request is blocked or no model is left to try. */
  private async start(
    request: ChatRequest,
    context: CallContext,
    cancellation: Cancellation,
  ): Promise<
    | (OutcomeBase & ({ type: 'blocked'; trace: Trace; message: string } | { type: 'error'; trace: Trace; error: SwitchyardError }))
    | { type: 'plan'; routed: RoutingResult; builder: TraceBuilder; base: OutcomeBase }
  > {
    const { admission, routed } = await routeAdmitted(this.governor, this.routing, request, context, cancellation);
    const builder = new TraceBuilder(request.model, promptRecord(request, this.config.storage.storePrompts), request.stream, routed.decision, this.config.models, routed.reference, context.traceContext, traceCallerOf(context.caller));
    // Every way the request ends finishes its trace once: that settles its admission (slot, tokens, spend).
    if (admission) builder.onFinish = (trace) => admission.settle(trace);
    const base: OutcomeBase = { traceId: builder.id, decision: routed.decision, rateLimit: admission?.rateLimit };
    if (routed.decision.block) {
      const trace = this.record(builder.finish({ status: 'blocked', model: undefined, attempts: routed.attempts }));
      return merged(base, { type: 'blocked' as const, message: routed.decision.block.message, trace });
    }
    if (routed.steps.length === 0) return Object.assign(this.noModel(builder, routed.decision, routed.attempts, routed.request), base);
    const overBudget = admission === undefined ? undefined : await admission.reserve(routed.steps, routed.request);
    if (overBudget) return Object.assign(this.failed(builder, overBudget, routed.attempts), base);
    return { type: 'plan', routed, builder, base };
  }

  /** The calls routing makes for its signals, through the same executor as any call. */
  private signalModels(): SignalModels {
    const plan = (name: string): ModelSpec[] => {
      const spec = this.config.models.get(name);
      return spec && this.models.has(name) ? [spec] : [];
    };
    const options = (role: 'classifier' | 'guard' | 'embedding'): ExecutionOptions => ({ failoverOnContentFilter: false, role });
    return {
      classify: async (model, request, signal, role = 'classifier'): Promise<SignalCall<ChatResult>> => {
        const call = await executeGenerate(plan(model), request, this.executionContext(Cancellation.of(signal)), options(role));
        return call.ok ? { ok: true, value: call.result, attempts: call.attempts } : { ok: false, error: call.error, attempts: call.attempts };
      },
      embed: async (model, texts, signal): Promise<SignalCall<Float32Array[]>> => {
        const encoder = this.embeddingModels.get(model);
        const call = await executeCall(encoder ? plan(model) : [], this.executionContext(Cancellation.of(signal)), options('embedding'), async (_spec, callOptions) => {
          const embedded = await (encoder as EmbeddingModel).doEmbed(texts, callOptions);
          // Unit vectors: similarity is then a dot product.
          return { value: embedded.vectors.map(unitVector), usage: embedded.usage };
        });
        return call.ok ? { ok: true, value: call.value, attempts: call.attempts } : { ok: false, error: call.error, attempts: call.attempts };
      },
      moderate: async (model, texts, signal): Promise<SignalCall<Moderation>> => {
        const moderator = this.moderationModels.get(model);
        const call = await executeCall(moderator ? plan(model) : [], this.executionContext(Cancellation.of(signal)), options('guard'), async (_spec, callOptions) => {
          const moderation = await (moderator as ModerationModel).doModerate(texts, callOptions);
          return { value: moderation, usage: moderation.usage ?? estimatedModerationUsage(texts) };
        });
        return call.ok ? { ok: true, value: call.value, attempts: call.attempts } : { ok: false, error: call.error, attempts: call.attempts };
      },
    };
  }

  /** The runner of the routers' `shadow:`, calling models through the executor like any call; undefined when no router has one. */
  private shadowRunner(): ShadowRunner | undefined {
    const shadows = new Map<string, ShadowSpec>();
    for (const router of this.config.routers.values()) if (router.shadow) shadows.set(router.name, router.shadow);
    if (shadows.size === 0) return undefined;
    const plan = (name: string): ModelSpec[] => {
      const spec = this.config.models.get(name);
      return spec && this.models.has(name) ? [spec] : [];
    };
    return new ShadowRunner(shadows, {
      specs: this.config.models,
      generate: (model, request, signal, role) => executeGenerate(plan(model), request, this.executionContext(Cancellation.of(signal)), { failoverOnContentFilter: false, role }),
      feedback: this.store,
      metrics: this.metrics,
      observe: (observation) => this.observeQuality(observation),
      random: this.random,
      ledger: this.shadowLedger,
    });
  }

  /** Hands a quality score of a routed answer (a shadow judge's, a person's feedback) to the configured observer (drift). */
  observeQuality(observation: QualityObservation): void {
    this.qualityObserver?.observe(observation);
  }

  /** The drift monitor's estimates (`GET /v1/quality`); undefined: no observer that keeps any. */
  qualityReadings(): readonly QualityReading[] | undefined {
    return this.qualityObserver?.readings?.();
  }

  /** Closes the providers and the store; call it when no request is in flight. */
  async close(): Promise<void> {
    await this.retire();
    await this.store.close();
  }

  /** Closes the providers and leaves the store open: for a gateway replaced by its successor, once its requests are done. */
  async retire(): Promise<void> {
    this.settle();
    await this.shadow?.close();
    await Promise.all(this.providers.map((provider) => provider.close()));
  }

  /** Records a stream's trace once it ended (TracedStream): `failure` is what ended it, undefined if it ran to its end. */
  private streamTrace(builder: TraceBuilder, spec: ModelSpec, attempts: Attempt[], skipped: FilteredCandidate[], notes: TraceNote[] | undefined): (failure: SwitchyardError | undefined) => void {
    return (failure) => {
      this.record(builder.finish({ status: failure ? failureStatus(failure) : 'ok', model: spec, attempts, skipped, notes, ...(failure ? { error: failure } : {}) }));
    };
  }

  /** `startedAt`: when the request arrived (a routing call starts its own budget). */
  private executionContext(cancellation: Cancellation, startedAt = performance.now()): ExecutionContext {
    return { cancellation, models: this.models, breakers: this.breakers, random: this.random, load: this.load, quotas: this.quotas, startedAt };
  }

  /** Every candidate was filtered out: by the request's own needs (400), by the provider quotas of the deployments (429), or by the gateway's state (503). */
  private noModel(builder: TraceBuilder, decision: Decision, attempts: Attempt[], request: ChatRequest): { type: 'error'; trace: Trace; error: SwitchyardError } {
    const where = decision.router === null ? `model "${decision.requested}"` : `router "${decision.router}", route "${decision.route}"`;
    const incompatible = decision.filtered.filter((item) => item.reason === 'capability' || item.reason === 'context_window');
    const missingEnv = [...new Set(decision.filtered.flatMap((item) => this.missingEnvOf(item.model)))];
    // A model that could take the request once its circuit lets a probe through: the gateway's state (503), not the request.
    const circuits = decision.filtered.filter((item) => item.reason === 'circuit_open').map((item) => item.model);
    // Deployments at their provider quota, and no circuit in the way: they take it once the first frees (429).
    const limited = decision.filtered.filter((item) => item.reason === 'rate_limited');
    if (limited.length > 0 && missingEnv.length === 0 && circuits.length === 0) {
      const specs = limited.flatMap((item) => this.config.models.get(item.model) ?? []);
      const retryAfterMs = this.quotas.retryAfterMs(specs, request);
      const reasons = limited.map((item) => `${item.model}: ${item.detail}`).join('; ');
      return this.failed(builder, new DeploymentQuotaError(`Every model of ${where} is at its provider quota for now. ${reasons}.`, { filtered: decision.filtered, retryAfterMs }), attempts);
    }
    if (incompatible.length > 0 && missingEnv.length === 0 && circuits.length === 0) {
      const reasons = incompatible.map((item) => `${item.model}: ${item.detail}`).join('; ');
      return this.failed(builder, new NoCompatibleModelError(`No model of ${where} can take this request. ${reasons}.`, incompatible), attempts);
    }
    const retryAfterMs = this.breakers.retryAfterMs(circuits);
    const message =
      missingEnv.length > 0
        ? `No model is available for ${where}: their providers have no credentials. Set ${missingEnv.length === 1 ? '' : 'one of '}${missingEnv.join(', ')} and restart the gateway.`
        : retryAfterMs !== undefined
          ? `No model is available for ${where}: the circuit breaker of ${circuits.join(', ')} is open after repeated failures; the next probe is due in ${Math.ceil(retryAfterMs / 1000)} s.`
          : `No model is available for ${where}.`;
    return this.failed(builder, new NoAvailableModelError(message, { filtered: decision.filtered, missingEnv, retryAfterMs }), attempts);
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
    notes: TraceNote[] = [],
  ): { type: 'error'; trace: Trace; error: SwitchyardError } {
    return { type: 'error', error, trace: this.record(builder.finish({ status: failureStatus(error), model: undefined, attempts, skipped, error, notes })) };
  }

  /**
   * The in-memory list gets the trace at once (a caller reads it back as soon as its call returns);
   * the other sinks (store, metrics, spans, logs) get it right after the response has gone out, in
   * the next turn of the event loop: their work never delays the client. `settle()` runs them now.
   */
  private record(trace: Trace): Trace {
    this.traces.record(trace);
    this.unsettled.push(trace);
    if (this.unsettled.length === 1) setImmediate(this.settle);
    return trace;
  }

  private unsettled: Trace[] = [];

  /** Hands every finished trace to the sinks now (`/metrics` calls it before rendering; store reads wait out the turn instead). */
  readonly settle = (): void => {
    const traces = this.unsettled;
    if (traces.length === 0) return;
    this.unsettled = [];
    for (const trace of traces) {
      for (const sink of this.sinks) {
        try {
          sink.record(trace);
        } catch {
          // Telemetry must never fail a request: a sink that throws loses this trace, the client does not.
        }
      }
    }
  };
}

/** A client that went away is an aborted request, and one the server stopped is a shutdown, not a failed one. */
function failureStatus(error: SwitchyardError): 'aborted' | 'shutdown' | 'error' {
  return error.kind === 'aborted' || error.kind === 'shutdown' ? error.kind : 'error';
}

/** An abort the server caused by stopping (the cancellation's reason) is reported as what it was. */
function stoppedBy(cancellation: Cancellation, error: SwitchyardError): SwitchyardError {
  const reason = cancellation.reason;
  return error.kind === 'aborted' && SwitchyardError.isInstance(reason) ? reason : error;
}

function executionOptions(routed: RoutingResult): ExecutionOptions {
  return { failoverOnContentFilter: routed.failoverOnContentFilter };
}

/** Routing's own calls (classifier, embeddings) go first in the trace: they happened first and are billed with the rest. */
function withRoutingCalls<Execution extends { attempts: Attempt[] }>(routed: RoutingResult, execution: Execution): Execution {
  if (routed.attempts.length > 0) execution.attempts.unshift(...routed.attempts);
  return execution;
}

/** An observer that keeps readings, as the metrics read them. */
function qualityReadings(observer: QualityObserver | undefined): { readings(): readonly QualityReading[] } | undefined {
  const readings = observer?.readings;
  return readings ? { readings: () => readings.call(observer) } : undefined;
}
