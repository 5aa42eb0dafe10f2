import { AllAttemptsFailedError, DeploymentQuotaError, NoAvailableModelError } from '../errors/execution-errors.js';
import { AbortedError, InternalError } from '../errors/request-errors.js';
import type { SwitchyardError } from '../errors/switchyard-error.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { ChatResult } from '../spec/chat-result.js';
import type { FilteredCandidate } from '../spec/decision.js';
import type { LanguageModel, LanguageModelCallOptions } from '../spec/language-model.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { isContentPart, type StreamPart } from '../spec/stream-part.js';
import type { Attempt, AttemptRole } from '../spec/trace.js';
import type { TraceNote } from '../spec/trace-note.js';
import type { Usage } from '../spec/usage.js';
import { estimateUsage } from '../tokens/estimate-usage.js';
import type { Cancellation } from '../util/cancellation.js';
import { sleep } from '../util/sleep.js';
import { AttemptDeadline, type Expiry } from './attempt-deadline.js';
import { AttemptRecorder, asSwitchyardError } from './attempt-recorder.js';
import { CommittedStream } from './committed-stream.js';
import type { CircuitBreaker, CircuitBreakers, CircuitPermit } from './circuit-breaker.js';
import type { DeploymentLoad } from './deployment-load.js';
import { quotaTokens, soonestAfterMs, type DeploymentQuota, type DeploymentQuotas, type QuotaReservation } from './deployment-quota.js';
import { failureAction, isDeploymentFailure } from './failure-policy.js';
import { retryDelay } from './retry-delay.js';

export type ExecutionContext = {
  /** The request's: aborts every call of it (the client went away). */
  cancellation: Cancellation;
  /** Catalog name → model instance, built once at startup. */
  models: ReadonlyMap<string, LanguageModel>;
  breakers: CircuitBreakers;
  /** Jitter source for retry delays. */
  random: () => number;
  /** Counts every call in flight and its time to first token, for `loadbalance`. */
  load?: DeploymentLoad | undefined;
  /** The `limits` of deployments: each call is admitted against its deployment's quota, and settled with its usage. */
  quotas?: DeploymentQuotas | undefined;
  /** `performance.now()` when the request arrived: the start of each model's `timeout.requestMs` budget. */
  startedAt: number;
};

export type ExecutionOptions = {
  /** The route lets a content-policy refusal move on to the next model. */
  failoverOnContentFilter: boolean;
  /** What the calls are for (default `answer`) and the cascade step or parallel branch they serve. */
  role?: AttemptRole;
  step?: number | undefined;
};

type Outcome = {
  attempts: Attempt[];
  skipped: FilteredCandidate[];
  /** What a multi-model policy decided along the way (an escalation, a judge that failed). */
  notes?: TraceNote[];
};

export type GenerateExecution = Outcome & ({ ok: true; result: ChatResult; spec: ModelSpec } | { ok: false; error: SwitchyardError });

export type StreamExecution = Outcome &
  (
    | {
        ok: true;
        spec: ModelSpec;
        /** Ends with a `usage` part (estimated if the upstream sent none) unless it ends with an `error` part. */
        parts: AsyncGenerator<StreamPart>;
        /** True when the parts come live from a committed attempt, which joins `attempts` when the stream ends; false for an answer replayed from `attempts`. */
        live: boolean;
      }
    | { ok: false; error: SwitchyardError }
  );

/** A model to call, holding its breaker's permit (and its quota's reservation) for the call about to be made. */
type Target = {
  spec: ModelSpec;
  model: LanguageModel;
  breaker: CircuitBreaker | undefined;
  permit: CircuitPermit | undefined;
  quota: DeploymentQuota | undefined;
  reservation: QuotaReservation | undefined;
};

/** What one attempt gave: an answer (holding its deadline while a committed stream is still running), or a refusal to pass over. */
type Step<Answer> = { answer: Answer; keepsDeadline: boolean } | 'refused';

/** Less of a request's budget than this is none: no model answers that fast, and timers fire up to a millisecond early. */
const MIN_ATTEMPT_MS = 10;

const unexpected = (error: unknown): SwitchyardError => new InternalError(`unexpected failure in a model call: ${String(error)}`, error);

/**
 * Walks a plan: each model in turn (the failover layer), each model up to its `max_attempts`
 * (the retry layer), keeping every attempt. Shared by JSON and streaming execution.
 */
class PlanRun<Refusal> {
  readonly attempts: Attempt[] = [];
  readonly skipped: FilteredCandidate[] = [];
  private last: SwitchyardError | undefined;
  /** After a context-length error: only models with a larger window than this can help. */
  private contextLimit: number | undefined;
  /** The latest refusal, answered if no other model does better (failover on content filter). */
  refusal: Refusal | undefined;

  constructor(
    private readonly plan: readonly ModelSpec[],
    private readonly context: ExecutionContext,
    private readonly options: ExecutionOptions,
    /** Tokens a call counts against `limits.tpm` at admission (a call with no chat request: none until it settles). */
    private readonly quotaNeed: (spec: ModelSpec) => number = () => 0,
  ) {}

  /** Reserves the target's next call in its deployment's quota (one synchronous step); false, with the skip noted, when the quota is full. */
  private admit(target: Target): boolean {
    if (!target.quota) return true;
    const admitted = target.quota.admit(this.quotaNeed(target.spec));
    if (admitted.ok) {
      target.reservation = admitted.reservation;
      return true;
    }
    target.breaker?.release(target.permit);
    this.skipped.push({ model: target.spec.name, reason: 'rate_limited', detail: admitted.wait.detail });
    return false;
  }

  /** What is left of the request's time budget on this model (ms; negative once spent). */
  private budgetLeft(spec: ModelSpec): number {
    return spec.reliability.timeout.requestMs - (performance.now() - this.context.startedAt);
  }

  /** The models to try, in order, each already holding its breaker's permit for a first call. */
  *targets(): Generator<Target> {
    for (const spec of this.plan) {
      if (this.budgetLeft(spec) < MIN_ATTEMPT_MS) {
        this.skipped.push({ model: spec.name, reason: 'deadline', detail: `the request had used up its ${spec.reliability.timeout.requestMs} ms budget (timeout.request_ms) before this model's turn` });
        continue;
      }
      if (this.contextLimit !== undefined && spec.contextWindow !== undefined && spec.contextWindow <= this.contextLimit) {
        this.skipped.push({ model: spec.name, reason: 'context_window', detail: `the prompt was too long for a ${this.contextLimit}-token window, and this one is ${spec.contextWindow}` });
        continue;
      }
      const model = this.context.models.get(spec.name);
      if (!model) throw new InternalError(`no model instance for "${spec.name}"`);
      const breaker = this.context.breakers.get(spec.name);
      const permit = breaker?.acquire();
      if (breaker && !permit) {
        this.skipped.push({ model: spec.name, reason: 'circuit_open', detail: 'its circuit breaker opened (or is probing) while this request ran' });
        continue;
      }
      const target: Target = { spec, model, breaker, permit, quota: spec.limits && this.context.quotas?.get(spec.name), reservation: undefined };
      if (this.admit(target)) yield target;
    }
  }

  succeeded(target: Target, recorder: AttemptRecorder, usage: Usage | undefined): void {
    target.breaker?.recordSuccess(target.permit);
    this.attempts.push(recorder.succeeded(usage));
  }

  /** A model answered, but with a content-policy refusal and the route wants another model to try. */
  refused(target: Target, recorder: AttemptRecorder, usage: Usage | undefined, refusal: Refusal): void {
    target.breaker?.recordSuccess(target.permit);
    this.attempts.push(recorder.refused(usage));
    this.refusal = refusal;
  }

  /** Records a failed call (cut by `expiry`, if a clock cut it); says whether to call the same model again, move to the next, or stop here. */
  async failed(target: Target, recorder: AttemptRecorder, error: SwitchyardError, attempt: number, expiry: Expiry | undefined): Promise<'retry' | 'next' | 'stop'> {
    this.attempts.push(recorder.failed(error));
    this.last = error;
    if (error.kind === 'aborted') {
      target.breaker?.release(target.permit);
      return 'stop';
    }
    const action = failureAction(error);
    if (isDeploymentFailure(action)) {
      // Shared breakers: the other gateways hear of it before this request moves on (no await without them).
      const told = target.breaker?.recordFailure(target.permit);
      if (told) await told;
    } else target.breaker?.release(target.permit);
    switch (action) {
      case 'final':
        return 'stop';
      case 'content_filter':
        return this.options.failoverOnContentFilter ? 'next' : 'stop';
      case 'larger_context':
        if (target.spec.contextWindow !== undefined) this.contextLimit = Math.max(this.contextLimit ?? 0, target.spec.contextWindow);
        return 'next';
      case 'fail_over':
        return 'next';
      case 'retry': {
        const settings = target.spec.reliability.retry;
        if (attempt >= settings.maxAttempts) return 'next';
        // The failure opened the circuit: no backoff is spent on a deployment that will not be called.
        if (target.breaker?.state() === 'open') return 'next';
        const left = this.budgetLeft(target.spec);
        // A call that just ran out of its whole `totalMs` would only be cut sooner with less time than that left.
        if (expiry === 'total' && left < target.spec.reliability.timeout.totalMs) return 'next';
        const delay = retryDelay(attempt, error, settings, this.context.random);
        if (delay === undefined || delay > left - MIN_ATTEMPT_MS) return 'next';
        if (!(await sleep(delay, this.context.cancellation.signal))) {
          this.last = new AbortedError('The client disconnected while the gateway waited to retry.');
          return 'stop';
        }
        // The failure may have opened the circuit: then there is no point calling it again now.
        if (target.breaker) {
          const permit = target.breaker.acquire();
          if (!permit) return 'next';
          target.permit = permit;
        }
        // Each call counts against the deployment's quota, a retry too.
        return this.admit(target) ? 'retry' : 'next';
      }
    }
  }

  /**
   * The loop both executions share: each model of the plan, each retry of it, one `once` call per
   * attempt with its own deadline, until `once` returns an answer. A refusal moves on to the next
   * model; a failure is retried, failed over or stops the run, as `failed` decides.
   */
  async walk<Answer>(
    stream: boolean,
    once: (target: Target, recorder: AttemptRecorder, deadline: AttemptDeadline) => Promise<Step<Answer>>,
  ): Promise<{ ok: true; answer: Answer } | { ok: false; stopped: boolean }> {
    for (const target of this.targets()) {
      for (let attempt = 1; ; attempt++) {
        const recorder = new AttemptRecorder(target.spec, attempt - 1, {
          role: this.options.role ?? 'answer',
          step: this.options.step,
          load: this.context.load,
          reservation: target.reservation,
        });
        const deadline = new AttemptDeadline(this.context.cancellation, target.spec.reliability.timeout, stream, this.budgetLeft(target.spec));
        let keepDeadline = false;
        let next: 'retry' | 'next' | 'stop';
        try {
          const step = await once(target, recorder, deadline);
          if (step === 'refused') break;
          keepDeadline = step.keepsDeadline;
          return { ok: true, answer: step.answer };
        } catch (thrown) {
          const error = deadline.explain(asSwitchyardError(thrown, unexpected), { provider: target.spec.provider, model: target.spec.name });
          next = await this.failed(target, recorder, error, attempt, deadline.expiry);
        } finally {
          if (!keepDeadline) deadline.dispose();
        }
        if (next === 'stop') return { ok: false, stopped: true };
        if (next === 'next') break;
      }
    }
    return { ok: false, stopped: false };
  }

  /** The error to report: the one that stopped the run, or, when the plan ran out, all of them. */
  error(stopped: boolean): SwitchyardError {
    if (this.last === undefined) {
      const reasons = this.skipped.map((item) => `${item.model}: ${item.detail}`).join('; ');
      const circuits = this.skipped.filter((item) => item.reason === 'circuit_open').map((item) => item.model);
      if (circuits.length === 0 && this.skipped.some((item) => item.reason === 'rate_limited')) {
        return new DeploymentQuotaError(`No model could be called now: ${reasons}.`, { filtered: this.skipped, retryAfterMs: this.quotaRetryAfterMs() });
      }
      return new NoAvailableModelError(`No model could be called: ${reasons || 'the plan is empty'}.`, {
        filtered: this.skipped,
        missingEnv: [],
        retryAfterMs: this.context.breakers.retryAfterMs(circuits),
      });
    }
    if (stopped || this.attempts.length === 1) return this.last;
    return new AllAttemptsFailedError(this.attempts, this.last);
  }

  /** How long until the first quota that refused a call of this run frees. */
  private quotaRetryAfterMs(): number | undefined {
    return soonestAfterMs(this.plan, (spec) => (spec.limits && this.context.quotas?.get(spec.name))?.wait(this.quotaNeed(spec)));
  }
}

/** Tries the plan's models in order, retrying each as its settings allow, until one answers. */
export async function executeGenerate(
  plan: readonly ModelSpec[],
  request: ChatRequest,
  context: ExecutionContext,
  options: ExecutionOptions,
): Promise<GenerateExecution> {
  const run = new PlanRun<{ result: ChatResult; spec: ModelSpec }>(plan, context, options, (spec) => quotaTokens(request, spec));
  const walked = await run.walk(false, async (target, recorder, deadline) => {
    const result = await target.model.doGenerate(request, deadline.callOptions);
    recorder.warn(result.warnings);
    result.usage ??= await estimateUsage(request, resultText(result));
    if (options.failoverOnContentFilter && isRefusal(result)) {
      run.refused(target, recorder, result.usage, { result, spec: target.spec });
      return 'refused';
    }
    run.succeeded(target, recorder, result.usage);
    return { answer: { result, spec: target.spec }, keepsDeadline: false };
  });
  const outcome = { attempts: run.attempts, skipped: run.skipped };
  if (walked.ok) return { ok: true, ...walked.answer, ...outcome };
  // Every other model failed too: the refusal is still an answer.
  if (!walked.stopped && run.refusal) return { ok: true, ...run.refusal, ...outcome };
  return { ok: false, error: run.error(walked.stopped), ...outcome };
}

/**
 * Any other kind of model call (embeddings) with the same retries, failover and breakers: `call`
 * makes one attempt and says what it was billed.
 */
export async function executeCall<Value>(
  plan: readonly ModelSpec[],
  context: ExecutionContext,
  options: ExecutionOptions,
  call: (spec: ModelSpec, options: LanguageModelCallOptions) => Promise<{ value: Value; usage: Usage | undefined }>,
): Promise<Outcome & ({ ok: true; value: Value; spec: ModelSpec } | { ok: false; error: SwitchyardError })> {
  const run = new PlanRun<never>(plan, context, options);
  const walked = await run.walk(false, async (target, recorder, deadline) => {
    const { value, usage } = await call(target.spec, deadline.callOptions);
    run.succeeded(target, recorder, usage);
    return { answer: { value, spec: target.spec }, keepsDeadline: false };
  });
  const outcome = { attempts: run.attempts, skipped: run.skipped };
  if (walked.ok) return { ok: true, ...walked.answer, ...outcome };
  return { ok: false, error: run.error(walked.stopped), ...outcome };
}

/**
 * Tries the plan's models in order, and commits to one only when its first content part has
 * arrived (peek before commit): any failure before that (an error status, a stall past the
 * first-token timeout, a stream that breaks or errors before any output) is retried or failed
 * over invisibly, since nothing has reached the client yet. With failover on content filter, the
 * whole answer is held until it is known not to be a refusal.
 */
export async function executeStream(
  plan: readonly ModelSpec[],
  request: ChatRequest,
  context: ExecutionContext,
  options: ExecutionOptions,
): Promise<StreamExecution> {
  const run = new PlanRun<{ parts: StreamPart[]; spec: ModelSpec }>(plan, context, options, (spec) => quotaTokens(request, spec));
  const walked = await run.walk(true, async (target, recorder, deadline) => {
    const stream = await target.model.doStream(request, deadline.callOptions);
    recorder.warn(stream.warnings);
    const iterator = stream.parts[Symbol.asyncIterator]();
    try {
      const head = await peek(iterator, deadline, recorder, options.failoverOnContentFilter);
      if (options.failoverOnContentFilter && isRefusalStream(head)) {
        run.refused(target, recorder, usageOf(head), { parts: head, spec: target.spec });
        return 'refused';
      }
      const parts = new CommittedStream(head, iterator, { target, recorder, deadline, attempts: run.attempts, request });
      return { answer: { spec: target.spec, parts, live: true }, keepsDeadline: true };
    } catch (error) {
      await iterator.return?.();
      throw error;
    }
  });
  const outcome = { attempts: run.attempts, skipped: run.skipped };
  if (walked.ok) return { ok: true, ...walked.answer, ...outcome };
  if (!walked.stopped && run.refusal) return { ok: true, spec: run.refusal.spec, parts: replay(run.refusal.parts), live: false, ...outcome };
  return { ok: false, error: run.error(walked.stopped), ...outcome };
}

/**
 * Reads parts until the first content part (or, when `whole`, to the end), holding them back.
 * An error part before that is thrown, so the caller can retry or fail over.
 */
async function peek(iterator: AsyncIterator<StreamPart>, deadline: AttemptDeadline, recorder: AttemptRecorder, whole: boolean): Promise<StreamPart[]> {
  const head: StreamPart[] = [];
  for (;;) {
    const next = await iterator.next();
    if (next.done) return head;
    const part = next.value;
    if (part.type === 'error') throw part.error;
    head.push(part);
    if (isContentPart(part)) {
      deadline.firstToken();
      recorder.markFirstToken();
      if (!whole) return head;
    }
  }
}

export async function* replay(parts: StreamPart[]): AsyncGenerator<StreamPart> {
  yield* parts;
}

function isRefusal(result: ChatResult): boolean {
  return result.choices.length > 0 && result.choices.every((choice) => choice.finishReason.unified === 'content_filter' || typeof choice.message['refusal'] === 'string');
}

function isRefusalStream(parts: StreamPart[]): boolean {
  return parts.some((part) => part.type === 'refusal-delta' || (part.type === 'finish' && part.finishReason.unified === 'content_filter'));
}

function usageOf(parts: StreamPart[]): Usage | undefined {
  for (const part of parts) if (part.type === 'usage') return part.usage;
  return undefined;
}

function resultText(result: ChatResult): string {
  let text = '';
  for (const choice of result.choices) {
    const content = choice.message.content;
    if (typeof content === 'string') text += content;
    for (const call of choice.message.tool_calls ?? []) text += call.function.name + call.function.arguments;
  }
  return text;
}
