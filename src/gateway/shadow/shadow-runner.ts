import { setImmediate as nextTurn } from 'node:timers/promises';
import { computeCost } from '../../cost/compute-cost.js';
import type { GenerateExecution } from '../../execution/executor.js';
import { toMicros, worstCaseMicros } from '../../keys/worst-case-cost.js';
import type { ChatRequest } from '../../spec/chat-request.js';
import type { ChatResult } from '../../spec/chat-result.js';
import { firstChoiceText } from '../../spec/create-chat-request.js';
import { DEFAULT_ROUTE, type Decision } from '../../spec/decision.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { QualityObservation } from '../../spec/quality-observation.js';
import type { ShadowSpec } from '../../spec/shadow-spec.js';
import type { StreamPart } from '../../spec/stream-part.js';
import type { ShadowOutcome } from '../../telemetry/gateway-metrics.js';
import type { TraceQueries } from '../../telemetry/trace-queries.js';
import { JUDGE_QUOTE_CHARS, judgeRequest, readVerdict } from './shadow-judge.js';
import type { ShadowBudget } from './shadow-ledger.js';

/** Jobs that may wait for a free slot, per slot of `max_concurrent`: a burst waits, a flood is dropped. */
const QUEUE_PER_SLOT = 4;

/** What the runner needs of its gateway. */
export type ShadowHost = {
  specs: ReadonlyMap<string, ModelSpec>;
  /** One model, non-streaming, through the gateway's executor (its deployments, retries, breakers), aborted by `signal`. */
  generate(model: string, request: ChatRequest, signal: AbortSignal, role: 'answer' | 'judge'): Promise<GenerateExecution>;
  feedback: Pick<TraceQueries, 'addFeedback'>;
  metrics: { recordShadowJob(router: string, outcome: ShadowOutcome): void; recordShadowCost(router: string, usd: number): void };
  observe(observation: QualityObservation): void;
  /** The gateway's draws: which requests are sampled, and in which order the judge sees the two answers. */
  random: () => number;
  ledger: ShadowBudget;
};

/** One alternative model for one sampled request. */
type Job = {
  router: string;
  route: string | undefined;
  traceId: string;
  /** The request the served model answered (routing's system prompt included), as a non-streaming request. */
  request: ChatRequest;
  served: string;
  answer: string;
  alternative: string;
  shadow: ShadowSpec;
};

type Lane = { running: number; queue: Job[] };

/**
 * Shadow evaluation: a sampled share of a router's successful requests is answered again, in the
 * background, by each of the router's `shadow.models` other than the one that served it, and the
 * shadow's judge scores the served and the alternative answers side by side. The scores are stored
 * as judge feedback of the request's trace and handed to the gateway's quality observer. A job
 * starts in a later turn of the event loop than the client's answer, has its own AbortController,
 * holds its worst case against the router's daily budget before any call, and counts its cost as
 * the shadow's own (never in the client's trace or a key's spend). `close()` cancels every job.
 */
export class ShadowRunner {
  private readonly lanes = new Map<string, Lane>();
  private readonly active = new Set<{ controller: AbortController; done: Promise<void> }>();
  private closed = false;

  constructor(
    private readonly shadows: ReadonlyMap<string, ShadowSpec>,
    private readonly host: ShadowHost,
  ) {}

  /** A non-streamed answer went out: shadows it when the router has a shadow and the draw samples it. */
  served(decision: Decision, traceId: string, request: ChatRequest, model: string, result: ChatResult): void {
    const shadow = this.draw(decision.router);
    if (shadow) this.offer(shadow, decision, traceId, request, model, firstChoiceText(result.choices[0]?.message.content));
  }

  /**
   * A stream is about to go out: when the draw samples it, its parts pass through a collector of the
   * answer's text, and the jobs are offered once the client has had the whole stream (not when it
   * broke or the client went away). Undefined when it is not shadowed.
   */
  watch(decision: Decision, traceId: string, request: ChatRequest, model: string, parts: AsyncGenerator<StreamPart>): AsyncGenerator<StreamPart> | undefined {
    const shadow = this.draw(decision.router);
    return shadow && collectAnswer(parts, (answer) => this.offer(shadow, decision, traceId, request, model, answer));
  }

  /** Resolves when no job runs or waits (tests, the benchmark). */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active].map((job) => job.done));
  }

  /** Cancels the waiting jobs and aborts the running ones; resolves when they have ended. Later offers are ignored. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [router, lane] of this.lanes) {
      for (let index = 0; index < lane.queue.length; index++) this.host.metrics.recordShadowJob(router, 'cancelled');
      lane.queue = [];
    }
    for (const job of this.active) job.controller.abort();
    await this.idle();
  }

  private draw(router: string | null): ShadowSpec | undefined {
    const shadow = router === null ? undefined : this.shadows.get(router);
    return shadow && !this.closed && this.host.random() < shadow.sample ? shadow : undefined;
  }

  /** An answer without text (only tool calls) gives the judge nothing to compare: not shadowed. */
  private offer(shadow: ShadowSpec, decision: Decision, traceId: string, request: ChatRequest, served: string, answer: string): void {
    const router = decision.router;
    if (this.closed || router === null || answer === '') return;
    const route = decision.route === DEFAULT_ROUTE ? undefined : (decision.route ?? undefined);
    const asked = nonStreaming(request);
    for (const alternative of shadow.models) {
      if (alternative === served) continue;
      this.enqueue({ router, route, traceId, request: asked, served, answer, alternative, shadow });
    }
  }

  private enqueue(job: Job): void {
    let lane = this.lanes.get(job.router);
    if (!lane) this.lanes.set(job.router, (lane = { running: 0, queue: [] }));
    if (lane.running < job.shadow.maxConcurrent) this.start(lane, job);
    else if (lane.queue.length < job.shadow.maxConcurrent * QUEUE_PER_SLOT) lane.queue.push(job);
    else this.host.metrics.recordShadowJob(job.router, 'dropped_queue');
  }

  private start(lane: Lane, job: Job): void {
    lane.running++;
    const controller = new AbortController();
    const entry = { controller, done: Promise.resolve() };
    entry.done = (async () => {
      // After the turn in which the client's answer is written: the job never runs before it.
      await nextTurn();
      let outcome: ShadowOutcome;
      try {
        outcome = controller.signal.aborted ? 'cancelled' : await this.run(job, controller.signal);
      } catch {
        // A store that cannot be written fails the job, never the gateway.
        outcome = controller.signal.aborted ? 'cancelled' : 'failed';
      }
      this.host.metrics.recordShadowJob(job.router, outcome);
      this.active.delete(entry);
      lane.running--;
      const next = this.closed ? undefined : lane.queue.shift();
      if (next) this.start(lane, next);
    })();
    this.active.add(entry);
  }

  private async run(job: Job, signal: AbortSignal): Promise<ShadowOutcome> {
    const { host } = this;
    const alternative = host.specs.get(job.alternative) as ModelSpec;
    const judge = host.specs.get(job.shadow.judge.model) as ModelSpec;
    const servedFirst = host.random() < 0.5;
    // The judge's prompt before the alternative answers, plus that answer at its quoted length, each UTF-16 unit at most 3 bytes (tokens).
    const judgeWorst =
      (worstCaseMicros([{ specs: [judge] }], judgeRequest(judge, job.shadow.judge.rubric, job.request, job.answer, '', servedFirst)) ?? 0) + Math.ceil(3 * JUDGE_QUOTE_CHARS * judge.price.input);
    const answerWorst = worstCaseMicros([{ specs: [alternative] }], job.request) ?? 0;
    const hold = await host.ledger.hold(job.router, answerWorst + judgeWorst, toMicros(job.shadow.budgetUsdPerDay));
    if (!hold) return 'skipped_budget';
    let spentMicros = 0;
    let spentUsd = 0;
    const account = (call: GenerateExecution, worst: number): void => {
      const cost = callCost(call, host.specs);
      // A call whose cost is unknown counts at its worst case against the budget, and nothing in the metric.
      spentMicros += cost === undefined ? worst : toMicros(cost);
      spentUsd += cost ?? 0;
    };
    try {
      const answered = await host.generate(job.alternative, job.request, signal, 'answer');
      account(answered, answerWorst);
      if (!answered.ok) return signal.aborted ? 'cancelled' : 'failed';
      const answer = firstChoiceText(answered.result.choices[0]?.message.content);
      if (answer === '') return 'failed';
      const judged = await host.generate(judge.name, judgeRequest(judge, job.shadow.judge.rubric, job.request, job.answer, answer, servedFirst), signal, 'judge');
      account(judged, judgeWorst);
      if (!judged.ok) return signal.aborted ? 'cancelled' : 'failed';
      const verdict = readVerdict(firstChoiceText(judged.result.choices[0]?.message.content), servedFirst);
      if (!verdict) return 'judge_invalid';
      const answerCost = callCost(answered, host.specs);
      await host.feedback.addFeedback({ traceId: job.traceId, score: verdict.served, judged: { model: job.served, judgeModel: judge.name, costUsd: undefined, position: servedFirst ? 1 : 2 } });
      await host.feedback.addFeedback({ traceId: job.traceId, score: verdict.alternative, judged: { model: job.alternative, judgeModel: judge.name, costUsd: answerCost, position: servedFirst ? 2 : 1 } });
      const at = Date.now();
      const observed = { router: job.router, route: job.route, source: 'shadow' as const, traceId: job.traceId, at };
      host.observe({ ...observed, model: job.served, score: verdict.served });
      host.observe({ ...observed, model: job.alternative, score: verdict.alternative });
      return 'scored';
    } finally {
      host.ledger.settle(hold, spentMicros);
      if (spentUsd > 0) host.metrics.recordShadowCost(job.router, spentUsd);
    }
  }
}

/** The request as the alternatives get it: one JSON answer, whatever the client asked. */
function nonStreaming(request: ChatRequest): ChatRequest {
  if (!request.stream) return request;
  const { stream_options: _streamOptions, ...passthrough } = request.passthrough;
  return { ...request, stream: false, includeUsage: false, passthrough };
}

/** What a call's attempts cost (each billed one); undefined when a billed attempt's or the answer's usage is unknown. */
function callCost(call: GenerateExecution, specs: ReadonlyMap<string, ModelSpec>): number | undefined {
  if (call.ok && call.result.usage === undefined) return undefined;
  let usd = 0;
  for (const attempt of call.attempts) {
    if (!attempt.usage) continue;
    const spec = specs.get(attempt.model);
    const cost = spec ? computeCost(attempt.usage, spec.price) : undefined;
    if (cost === undefined) return undefined;
    usd += cost;
  }
  return usd;
}

/** Passes the parts through, collecting the first choice's text; calls `ended` with it once the stream ended without an error. */
async function* collectAnswer(parts: AsyncGenerator<StreamPart>, ended: (answer: string) => void): AsyncGenerator<StreamPart> {
  let answer = '';
  let failed = false;
  // A consumer that stops early (the client went away) returns this generator at its `yield`: the inner parts are returned, and nothing is shadowed.
  for await (const part of parts) {
    if (part.type === 'text-delta' && part.choice === 0) answer += part.text;
    else if (part.type === 'error') failed = true;
    yield part;
  }
  if (!failed) ended(answer);
}
