import type { CheckSpec } from '../../../spec/check-spec.js';
import { AllAttemptsFailedError, NoAvailableModelError } from '../../../errors/execution-errors.js';
import type { SwitchyardError } from '../../../errors/switchyard-error.js';
import { chatResultToParts } from '../../../spec/chat-result-to-parts.js';
import type { ChatRequest } from '../../../spec/chat-request.js';
import type { ChatResult } from '../../../spec/chat-result.js';
import type { FilteredCandidate } from '../../../spec/decision.js';
import type { ModelSpec } from '../../../spec/model-spec.js';
import type { Step } from '../../../spec/step.js';
import type { Attempt } from '../../../spec/trace.js';
import type { TraceNote } from '../../../spec/trace-note.js';
import { compileCheck, type AnswerCheck } from '../../../execution/answer-checks.js';
import { executeGenerate, executeStream, replay, type ExecutionContext, type ExecutionOptions, type GenerateExecution, type StreamExecution } from '../../../execution/executor.js';
import { Judge } from '../../../execution/judge.js';

type Cascade = { steps: readonly Step[]; check: CheckSpec };

/**
 * Cheapest first: each step's answer is checked and, when it fails, the next step is asked; the
 * last step's answer is the answer whatever it is. A step that errors (after its own retries and
 * fallbacks) escalates too. Every step's calls stay in the trace, rejected ones included.
 */
export async function cascadeGenerate(
  cascade: Cascade,
  request: ChatRequest,
  context: ExecutionContext,
  options: ExecutionOptions,
  catalog: ReadonlyMap<string, ModelSpec>,
): Promise<GenerateExecution> {
  const walk = new CascadeWalk(cascade, context, catalog);
  for (const [index, step] of cascade.steps.entries()) {
    const last = index === cascade.steps.length - 1;
    const answer = await walk.ask(step, index, last ? request : walk.buffered(request), options);
    if (answer === 'stop') break;
    if (answer === undefined) continue;
    if (last || (await walk.passes(answer, request, index))) return { ok: true, result: stripLogprobs(answer.result, request), spec: answer.spec, ...walk.outcome() };
  }
  return { ok: false, error: walk.error(), ...walk.outcome() };
}

/**
 * The streaming cascade: every step but the last answers in one piece and is held back until it
 * passes its check, then replayed as a stream; a rejected answer never reaches the client. The
 * last step streams live (peek before commit, as any stream).
 */
export async function cascadeStream(
  cascade: Cascade,
  request: ChatRequest,
  context: ExecutionContext,
  options: ExecutionOptions,
  catalog: ReadonlyMap<string, ModelSpec>,
): Promise<StreamExecution> {
  const walk = new CascadeWalk(cascade, context, catalog);
  for (const [index, step] of cascade.steps.entries()) {
    if (index === cascade.steps.length - 1) {
      const streamed = await executeStream(step.specs, request, context, { ...options, step: index });
      const earlier = walk.outcome();
      if (!streamed.ok) {
        walk.add(streamed.attempts, streamed.skipped);
        walk.failed(streamed.error);
        break;
      }
      // The committed attempt joins `streamed.attempts` when the stream ends; the trace reads `attempts` then.
      const attempts = [...earlier.attempts];
      const known = streamed.attempts.length;
      attempts.push(...streamed.attempts);
      return {
        ok: true,
        spec: streamed.spec,
        parts: appendWhenDone(streamed.parts, streamed.attempts, known, attempts),
        live: streamed.live,
        attempts,
        skipped: [...earlier.skipped, ...streamed.skipped],
        notes: earlier.notes,
      };
    }
    const answer = await walk.ask(step, index, walk.buffered({ ...request, stream: false }), options);
    if (answer === 'stop') break;
    if (answer === undefined) continue;
    if (await walk.passes(answer, request, index)) {
      return { ok: true, spec: answer.spec, parts: replay(chatResultToParts(stripLogprobs(answer.result, request))), live: false, ...walk.outcome() };
    }
  }
  return { ok: false, error: walk.error(), ...walk.outcome() };
}

/** The state of one cascade: attempts so far, notes, the last failure. */
class CascadeWalk {
  private readonly attempts: Attempt[] = [];
  private readonly skipped: FilteredCandidate[] = [];
  private readonly notes: TraceNote[] = [];
  private last: SwitchyardError | undefined;
  private readonly check: AnswerCheck;
  private readonly judge: Judge;

  constructor(
    cascade: Cascade,
    private readonly context: ExecutionContext,
    catalog: ReadonlyMap<string, ModelSpec>,
  ) {
    this.check = compileCheck(cascade.check);
    this.judge = new Judge(context, catalog);
  }

  /** The request for a checked step: logprobs asked for when the check reads them. */
  buffered(request: ChatRequest): ChatRequest {
    return this.check.needsLogprobs ? { ...request, passthrough: { ...request.passthrough, logprobs: true } } : request;
  }

  /** One step's answer; undefined when it failed and the cascade moves on, `stop` when the client went away. */
  async ask(step: Step, index: number, request: ChatRequest, options: ExecutionOptions): Promise<{ result: ChatResult; spec: ModelSpec } | undefined | 'stop'> {
    const call = await executeGenerate(step.specs, request, this.context, { ...options, step: index });
    this.add(call.attempts, call.skipped);
    if (call.ok) return call;
    this.failed(call.error);
    if (call.error.kind === 'aborted') return 'stop';
    this.notes.push({ kind: 'step_failed', step: index, models: step.specs.map((spec) => spec.name), error: call.error.message });
    return undefined;
  }

  /** Runs the check on a step's answer and marks its attempt with the results. */
  async passes(answer: { result: ChatResult; spec: ModelSpec }, request: ChatRequest, index: number): Promise<boolean> {
    const served = this.attempts.findLast((attempt) => attempt.role === 'answer' && attempt.outcome === 'ok');
    const verdict = await this.check.run(answer.result, request, this.judge, index);
    this.attempts.push(...verdict.attempts);
    if (served) {
      served.checks = verdict.results;
      if (!verdict.passed) served.outcome = 'rejected';
    }
    if (!verdict.passed) {
      const failed = verdict.results.filter((result) => !result.passed).map((result) => `${result.check}${result.detail ? ` (${result.detail})` : ''}`);
      this.notes.push({ kind: 'check_failed', step: index, model: answer.spec.name, failed });
    }
    return verdict.passed;
  }

  add(attempts: readonly Attempt[], skipped: readonly FilteredCandidate[]): void {
    this.attempts.push(...attempts);
    this.skipped.push(...skipped);
  }

  failed(error: SwitchyardError): void {
    this.last = error;
  }

  error(): SwitchyardError {
    if (!this.last) return new NoAvailableModelError('No step of the cascade could be called.', { filtered: this.skipped, missingEnv: [] });
    const answering = this.attempts.filter((attempt) => attempt.role === 'answer');
    return answering.length > 1 && this.last.kind !== 'aborted' ? new AllAttemptsFailedError(answering, this.last) : this.last;
  }

  outcome(): { attempts: Attempt[]; skipped: FilteredCandidate[]; notes: TraceNote[] } {
    return { attempts: this.attempts, skipped: this.skipped, notes: this.notes };
  }
}

/** Logprobs the cascade asked for on its own account are not the client's to see. */
function stripLogprobs(result: ChatResult, request: ChatRequest): ChatResult {
  if (request.passthrough['logprobs'] === true) return result;
  if (!result.choices.some((choice) => choice.logprobs !== undefined)) return result;
  return { ...result, choices: result.choices.map(({ logprobs: _dropped, ...choice }) => choice) };
}

/** Passes the stream through; when it ends, the attempts it added (the committed one) join `into`. */
async function* appendWhenDone<Part>(parts: AsyncGenerator<Part>, from: Attempt[], known: number, into: Attempt[]): AsyncGenerator<Part> {
  try {
    yield* parts;
  } finally {
    into.push(...from.slice(known));
  }
}
