import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { isFallback } from './is-fallback.js';
import { LabeledSums } from './labeled-sums.js';
import type { EdgeRejection } from '../spec/edge-rejection.js';
import type { TraceSink } from '../spec/trace-sink.js';
import type { Attempt, Trace } from '../spec/trace.js';
import { DROP_CAUSES, type TraceStoreCounts } from './trace-ledger.js';
import { registerStateMetrics, type StateStatus } from '../state/state-metrics.js';
import { registerQualityMetrics, type QualityReadings } from './quality-metrics.js';

/** How a shadow evaluation job ended (`gateway/shadow/`). */
export type ShadowOutcome = 'scored' | 'skipped_budget' | 'dropped_queue' | 'failed' | 'judge_invalid' | 'cancelled';

/** What the metrics read from the circuit breakers at scrape time. */
export interface BreakerStates {
  states(): Iterable<{ model: string; provider: string; state: 'closed' | 'open' | 'half_open' }>;
}

export type GatewayMetricsOptions = {
  breakers?: BreakerStates;
  /**
   * The standard Node.js process metrics (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`,
   * ...). Default true. Each registry that has them starts its own event-loop and GC observers, so
   * a process that builds many gateways (tests) may turn them off.
   */
  processMetrics?: boolean;
  /** The trace store, whose written, dropped and pending traces are read at scrape time. */
  traceStore?: { counts(): TraceStoreCounts };
  /**
   * Add `key` (the virtual key's name) and `team` labels to the request and cost counters
   * (`server.metrics_key_labels`). Off by default: the names are bounded by the keys an operator
   * creates, not by the config, so the operator decides. `none` for requests without a virtual key.
   */
  keyLabels?: boolean;
  /** The drift monitor: its quality estimates, samples, levels and alarms are read at scrape time (`quality-metrics.ts`). */
  quality?: QualityReadings | undefined;
};

/** The labels a request and a call are counted by with `keyLabels`, after the usual ones. */
type IdentityLabel = 'key' | 'team';
const IDENTITY_LABELS: readonly IdentityLabel[] = ['key', 'team'];

/**
 * Request latencies of LLM calls: tens of milliseconds (a cache, a tiny model) to minutes (long
 * reasoning answers). Past 120 s only `+Inf` tells them apart, which is enough to alert on.
 */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];
/** Time to first token: mostly under 2 s, reasoning models up to a minute. */
const FIRST_TOKEN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2.5, 5, 10, 20, 60];

/** Circuit states as numbers, worse is higher, so `max by (model)` and `> 0` alerts read naturally. */
const BREAKER_STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/**
 * Longest label value. Label values come from the config (router, route, model and provider names),
 * so their number is bounded by the config; the cut bounds their size too, whatever the config says.
 */
const MAX_LABEL_LENGTH = 64;

/**
 * Prometheus metrics computed from finished traces, in a registry of their own: several gateways
 * in one process (tests, a library user running two) never share or clash over series, and the
 * global default registry is left to the application.
 *
 * Label cardinality stays bounded: every label value is a name from the config (router, route,
 * catalog model, provider) or a closed enum (status, role, outcome, direction). What the client
 * sent never becomes a label: `trace.requested` is not used, and an unknown model is refused before
 * a trace exists. Unknown router/route/model (a concrete-model request has no router; a failed one
 * served no model) is `none`.
 */
export class GatewayMetrics implements TraceSink {
  readonly contentType: string;

  private readonly registry = new Registry();
  private readonly requests: LabeledSums<'router' | 'route' | 'model' | 'status' | IdentityLabel>;
  private readonly duration: Histogram<'router' | 'route' | 'model' | 'status'>;
  private readonly firstToken: Histogram<'router' | 'route' | 'model'>;
  private readonly tokens: LabeledSums<'model' | 'role' | 'direction'>;
  private readonly cost: LabeledSums<'router' | 'model' | IdentityLabel>;
  private readonly keyLabels: boolean;
  private readonly referenceCost: LabeledSums<'router'>;
  private readonly routedCost: LabeledSums<'router'>;
  private readonly attempts: LabeledSums<'model' | 'provider' | 'role' | 'outcome'>;
  private readonly retries: LabeledSums<'model'>;
  private readonly fallbacks: LabeledSums<'router'>;
  private readonly recordErrors: Counter;
  private readonly edgeRejections: Counter<'dialect' | 'status' | 'reason'>;
  private readonly budgetAlerts: Counter<'scope' | 'threshold'>;
  private readonly shadowJobs: Counter<'router' | 'outcome'>;
  private readonly shadowCost: Counter<'router'>;

  constructor(options: GatewayMetricsOptions = {}) {
    const registers = [this.registry];
    this.contentType = this.registry.contentType;
    // Unprefixed on purpose: the standard process_* / nodejs_* names are what stock dashboards and alerts expect.
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    this.keyLabels = options.keyLabels ?? false;
    const identity = this.keyLabels ? IDENTITY_LABELS : [];
    this.requests = summedCounter(registers, {
      name: 'switchyard_requests_total',
      help: `Requests that reached routing, by router, route, served model and final status (ok, blocked, error, aborted, shutdown)${this.keyLabels ? ', virtual key name and team' : ''}.`,
      labelNames: ['router', 'route', 'model', 'status', ...identity],
    });
    this.duration = new Histogram({
      name: 'switchyard_request_duration_seconds',
      help: 'Time from the start of routing to the end of the answer (the last byte of a stream).',
      labelNames: ['router', 'route', 'model', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.firstToken = new Histogram({
      name: 'switchyard_time_to_first_token_seconds',
      help: 'Streams only: time from the start of routing to the first content of the served answer.',
      labelNames: ['router', 'route', 'model'],
      buckets: FIRST_TOKEN_BUCKETS,
      registers,
    });
    this.tokens = summedCounter(registers, {
      name: 'switchyard_tokens_total',
      help: 'Tokens of every model call (answers, classifiers, embeddings, judges, failed and rejected calls included: all are billed), by model, role and direction (input, output). Calls with unknown usage are not counted.',
      labelNames: ['model', 'role', 'direction'],
    });
    this.cost = summedCounter(registers, {
      name: 'switchyard_cost_usd_total',
      help: `What every priced model call cost, in US dollars, by router and the model that was called${this.keyLabels ? ', virtual key name and team' : ''}. Calls with unknown usage or price are not counted.`,
      labelNames: ['router', 'model', ...identity],
    });
    this.referenceCost = summedCounter(registers, {
      name: 'switchyard_reference_cost_usd_total',
      help: "What the router's reference model would have cost, in US dollars, for the requests whose savings are known (the same requests as switchyard_routed_cost_usd_total).",
      labelNames: ['router'],
    });
    this.routedCost = summedCounter(registers, {
      name: 'switchyard_routed_cost_usd_total',
      help: 'What the requests counted in switchyard_reference_cost_usd_total actually cost, in US dollars. Savings = reference - routed.',
      labelNames: ['router'],
    });
    this.attempts = summedCounter(registers, {
      name: 'switchyard_attempts_total',
      help: 'Model calls, by model, provider, role (answer, classifier, embedding, judge) and outcome (ok, error, refused, rejected, cancelled).',
      labelNames: ['model', 'provider', 'role', 'outcome'],
    });
    this.retries = summedCounter(registers, {
      name: 'switchyard_retries_total',
      help: 'Model calls that were a retry of an earlier call to the same model in the same request.',
      labelNames: ['model'],
    });
    this.fallbacks = summedCounter(registers, {
      name: 'switchyard_fallbacks_total',
      help: 'Requests served by a model other than the first candidate of the plan (of its step, for cascade and parallel policies): a failover happened.',
      labelNames: ['router'],
    });
    this.recordErrors = new Counter({
      name: 'switchyard_metrics_record_errors_total',
      help: 'Traces the metrics could not record (a malformed trace). Should stay 0.',
      registers,
    });
    this.edgeRejections = new Counter({
      name: 'switchyard_edge_rejections_total',
      help: 'Requests refused before routing, so without a trace (unknown path, bad JSON, missing key, body too large, ...), by dialect of the answer, HTTP status and reason. Dialect is none for a refusal before HTTP was parsed (malformed HTTP, the connection cap), status none for a connection closed without an answer.',
      labelNames: ['dialect', 'status', 'reason'],
      registers,
    });
    this.budgetAlerts = new Counter({
      name: 'switchyard_budget_alerts_total',
      help: 'Budgets whose settled spend crossed a share of their limit in a period (once per threshold and period), by scope (key, team) and threshold (0.5, 0.8, 1).',
      labelNames: ['scope', 'threshold'],
      registers,
    });
    this.shadowJobs = new Counter({
      name: 'switchyard_shadow_jobs_total',
      help: 'Shadow evaluation jobs (one alternative model for one sampled request) by router and outcome: scored, skipped_budget (the daily budget could not hold its worst case), dropped_queue, failed, judge_invalid (the judge did not answer the verdict JSON), cancelled (shutdown).',
      labelNames: ['router', 'outcome'],
      registers,
    });
    this.shadowCost = new Counter({
      name: 'switchyard_shadow_cost_usd_total',
      help: "What shadow evaluation spent (alternative answers and judges, at catalog prices), by router: the shadow's own cost, in no request's cost.",
      labelNames: ['router'],
      registers,
    });

    const traceStore = options.traceStore;
    if (traceStore) traceStoreMetrics(registers, traceStore);
    if (options.quality) registerQualityMetrics(this.registry, options.quality);

    const breakers = options.breakers;
    if (breakers) {
      new Gauge({
        name: 'switchyard_circuit_breaker_state',
        help: 'Circuit breaker state per model deployment, read at scrape time: 0 closed, 1 half_open (one probe allowed), 2 open (calls refused).',
        labelNames: ['model', 'provider'],
        registers,
        collect() {
          // Rebuilt at every scrape, so a deployment that is gone stops being reported.
          this.reset();
          for (const { model, provider, state } of breakers.states()) {
            this.set({ model: label(model), provider: label(provider) }, BREAKER_STATE_VALUE[state]);
          }
        },
      });
    }
  }

  /** Called on the request path: a few counter updates per attempt, and never throws. */
  record(trace: Trace): void {
    try {
      this.recordTrace(trace);
    } catch {
      // A sink must not fail the request that produced the trace; the failure is itself counted.
      this.recordErrors.inc();
    }
  }

  /** A request refused at the edge (rare, not on the path of served requests: prom-client's own counter is fast enough). */
  recordEdgeRejection(rejection: EdgeRejection): void {
    this.edgeRejections.inc({ dialect: rejection.dialect ?? 'none', status: rejection.status === undefined ? 'none' : String(rejection.status), reason: rejection.reason });
  }

  /** A key's or team's spend crossed `threshold` of its budget (rare: at most three times a period). */
  recordBudgetAlert(scope: 'key' | 'team', threshold: number): void {
    this.budgetAlerts.inc({ scope, threshold: String(threshold) });
  }

  /** A shadow job ended (a few per sampled request: prom-client's own counter is fast enough). */
  recordShadowJob(router: string, outcome: ShadowOutcome): void {
    this.shadowJobs.inc({ router: label(router), outcome });
  }

  /** What a shadow job's calls cost, in USD. */
  recordShadowCost(router: string, usd: number): void {
    this.shadowCost.inc({ router: label(router) }, usd);
  }

  /** Adds the shared state's gauges (`switchyard_state_up`, `switchyard_state_fallbacks_total`): once per process, when `state.redis` is set. */
  observeState(state: StateStatus): void {
    registerStateMetrics(this.registry, state);
  }

  /** The exposition in the Prometheus text format; serve it with `contentType`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  private recordTrace(trace: Trace): void {
    const router = label(trace.router);
    const route = label(trace.route);
    const model = label(trace.model);

    // The key's name and team, when the operator allows them as labels (a closed set: the keys it created).
    const who = this.keyLabels ? [label(trace.caller?.keyName), label(trace.caller?.team)] : undefined;
    this.requests.add(who ? [router, route, model, trace.status, ...who] : [router, route, model, trace.status], 1);
    const latency = seconds(trace.latencyMs);
    if (latency !== undefined) this.duration.observe({ router, route, model, status: trace.status }, latency);
    const firstToken = seconds(trace.firstTokenMs);
    if (firstToken !== undefined) this.firstToken.observe({ router, route, model }, firstToken);

    for (const attempt of trace.attempts) this.recordAttempt(router, attempt, who);

    // Savings can be negative (routing picked a model dearer than the reference), and a counter
    // cannot go down. So the two sides are exported as counters over the same requests (those whose
    // savings are known: both costs known) and savings are computed in PromQL:
    //   sum by (router) (increase(switchyard_reference_cost_usd_total[1d]))
    //   - sum by (router) (increase(switchyard_routed_cost_usd_total[1d]))
    // switchyard_cost_usd_total cannot be the second side: it also counts requests with no reference.
    if (isAmount(trace.referenceCostUsd) && isAmount(trace.costUsd)) {
      this.referenceCost.add([router], trace.referenceCostUsd);
      this.routedCost.add([router], trace.costUsd);
    }

    if (isFallback(trace)) this.fallbacks.add([router], 1);
  }

  private recordAttempt(router: string, attempt: Attempt, who: readonly string[] | undefined): void {
    const model = label(attempt.model);
    this.attempts.add([model, label(attempt.provider), attempt.role, attempt.outcome], 1);
    if (attempt.retry > 0) this.retries.add([model], 1);
    const usage = attempt.usage;
    if (usage) {
      if (isAmount(usage.inputTokens)) this.tokens.add([model, attempt.role, 'input'], usage.inputTokens);
      if (isAmount(usage.outputTokens)) this.tokens.add([model, attempt.role, 'output'], usage.outputTokens);
    }
    // Per call rather than trace.costUsd: a request's cost mixes models (classifier, cascade steps,
    // judges), and the `model` label must name the model that billed it.
    if (isAmount(attempt.costUsd)) this.cost.add(who ? [router, model, ...who] : [router, model], attempt.costUsd);
  }

}

/** What became of the traces handed to the store, read from its counts at scrape time. */
function traceStoreMetrics(registers: Registry[], store: { counts(): TraceStoreCounts }): void {
  new Counter({
    name: 'switchyard_traces_written_total',
    help: 'Traces written to the trace store.',
    registers,
    collect() {
      this.reset();
      this.inc(store.counts().written);
    },
  });
  new Counter({
    name: 'switchyard_traces_dropped_total',
    help: 'Traces the store did not write, by cause: locked (another connection held the database past the retries), full (the disk refused the write past the retries), read_only, backlog (too many bytes waiting), other. Should stay 0.',
    labelNames: ['cause'],
    registers,
    collect() {
      this.reset();
      const dropped = store.counts().dropped;
      for (const cause of DROP_CAUSES) this.inc({ cause }, dropped[cause]);
    },
  });
  new Gauge({
    name: 'switchyard_trace_backlog_traces',
    help: 'Traces waiting to be written to the trace store.',
    registers,
    collect() {
      this.set(store.counts().pendingTraces);
    },
  });
  new Gauge({
    name: 'switchyard_trace_backlog_bytes',
    help: 'Bytes of the traces waiting to be written to the trace store (past the bound, new traces are dropped as backlog).',
    registers,
    collect() {
      this.set(store.counts().pendingBytes);
    },
  });
}

/**
 * A counter whose series are summed by us on the request path (see LabeledSums) and copied into
 * prom-client when it is scraped. Label values are given in the order of `labelNames`.
 */
function summedCounter<Name extends string>(registers: Registry[], config: { name: string; help: string; labelNames: readonly Name[] }): LabeledSums<Name> {
  const sums = new LabeledSums(config.labelNames);
  new Counter({
    ...config,
    labelNames: [...config.labelNames],
    registers,
    collect() {
      this.reset();
      for (const { labels, value } of sums.series()) this.inc(labels, value);
    },
  });
  return sums;
}

function label(value: string | null | undefined): string {
  if (value === null || value === undefined) return 'none';
  return value.length > MAX_LABEL_LENGTH ? value.slice(0, MAX_LABEL_LENGTH) : value;
}

/** Counters take only finite, non-negative increments (prom-client throws otherwise). */
function isAmount(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value >= 0;
}

function seconds(milliseconds: number | undefined): number | undefined {
  return isAmount(milliseconds) ? milliseconds / 1000 : undefined;
}
