import { renderTraceNote, type TraceNote } from '../spec/trace-note.js';
import { computeCost } from '../cost/compute-cost.js';
import type { SwitchyardError } from '../errors/switchyard-error.js';
import { toAttemptError } from '../execution/attempt-recorder.js';
import type { Decision, FilteredCandidate } from '../spec/decision.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { Attempt, PromptRecord, Trace, TraceCaller, TraceContext, TraceStatus } from '../spec/trace.js';
import { createTraceId } from './create-trace-id.js';
import { servedAttempt } from '../spec/attempt-rules.js';

/** Collects what one request did and turns it into a Trace, costs included. */
export class TraceBuilder {
  readonly id: string;
  readonly startedAt = Date.now();
  private readonly start = performance.now();
  /** Called with the trace each time `finish` builds one (the gateway settles the request's admission there). */
  onFinish: ((trace: Trace) => void) | undefined;

  constructor(
    readonly requested: string,
    private readonly prompt: PromptRecord,
    readonly stream: boolean,
    readonly decision: Decision,
    private readonly specs: ReadonlyMap<string, ModelSpec>,
    private readonly reference: ModelSpec | undefined,
    private readonly traceContext: TraceContext | undefined = undefined,
    private readonly caller: TraceCaller | undefined = undefined,
  ) {
    this.id = createTraceId(this.startedAt);
  }

  finish(options: {
    status: TraceStatus;
    model: ModelSpec | undefined;
    attempts: readonly Attempt[];
    skipped?: readonly FilteredCandidate[];
    error?: SwitchyardError;
    notes?: readonly TraceNote[] | undefined;
  }): Trace {
    // The attempt whose answer the client got (a refusal is an answer when nothing better came).
    const served = servedAttempt(options.attempts, options.model?.name);
    // A stream that broke or was cut after it began: the client got part of this attempt's answer, and it was billed.
    const partial = served ?? (options.model ? options.attempts.findLast((attempt) => attempt.role === 'answer' && attempt.model === options.model?.name) : undefined);
    const usage = partial?.usage;
    // Every attempt that reports usage was billed, failed, rejected and routing calls included (a stream cut halfway still cost its tokens).
    let costUsd: number | undefined = options.status === 'blocked' ? 0 : undefined;
    for (const attempt of options.attempts) {
      if (!attempt.usage) continue;
      const spec = this.specs.get(attempt.model);
      const cost = spec ? computeCost(attempt.usage, spec.price) : undefined;
      attempt.costUsd = cost;
      if (cost !== undefined) costUsd = (costUsd ?? 0) + cost;
    }
    if (partial && partial.usage === undefined) costUsd = undefined;
    const referenceCostUsd = this.reference && usage ? computeCost(usage, this.reference.price) : undefined;
    const trace: Trace = {
      id: this.id,
      startedAt: this.startedAt,
      requested: this.requested,
      prompt: this.prompt,
      router: this.decision.router,
      route: this.decision.route,
      model: options.model?.name ?? null,
      stream: this.stream,
      decision: this.decision,
      attempts: [...options.attempts],
      skipped: [...(options.skipped ?? [])],
      notes: (options.notes ?? []).map(renderTraceNote),
      usage,
      costUsd,
      referenceCostUsd,
      savingsUsd: costUsd !== undefined && referenceCostUsd !== undefined ? referenceCostUsd - costUsd : undefined,
      status: options.status,
      error: options.error ? toAttemptError(options.error) : undefined,
      latencyMs: performance.now() - this.start,
      // The attempt measures from its own start; the trace from the request's.
      firstTokenMs: served?.firstTokenMs === undefined ? undefined : served.firstTokenMs + (served.startedAt - this.startedAt),
      ...(this.caller ? { caller: this.caller } : {}),
      ...(this.traceContext ? { traceContext: this.traceContext } : {}),
    };
    this.onFinish?.(trace);
    return trace;
  }
}
