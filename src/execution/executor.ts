import { AllAttemptsFailedError } from '../errors/execution-errors.js';
import { AbortedError, InternalError } from '../errors/request-errors.js';
import type { SwitchyardError } from '../errors/switchyard-error.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { ChatResult } from '../spec/chat-result.js';
import type { LanguageModel } from '../spec/language-model.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { isContentPart, type StreamPart } from '../spec/stream-part.js';
import type { Attempt } from '../spec/trace.js';
import type { Usage } from '../spec/usage.js';
import { estimateUsage } from '../tokens/estimate-usage.js';
import { AttemptRecorder, asSwitchyardError } from './attempt-recorder.js';
import { shouldFailOver } from './should-fail-over.js';

export type ExecutionContext = {
  signal: AbortSignal;
  /** Catalog name → model instance, built once at startup. */
  models: ReadonlyMap<string, LanguageModel>;
};

export type GenerateExecution =
  | { ok: true; result: ChatResult; spec: ModelSpec; attempts: Attempt[] }
  | { ok: false; error: SwitchyardError; attempts: Attempt[] };

export type StreamExecution =
  | {
      ok: true;
      spec: ModelSpec;
      /** Failed attempts before this one. The committed attempt is appended when the stream ends. */
      attempts: Attempt[];
      /** Ends with a `usage` part (estimated if the upstream sent none) unless it ends with an `error` part. */
      parts: AsyncGenerator<StreamPart>;
    }
  | { ok: false; error: SwitchyardError; attempts: Attempt[] };

const unexpected = (error: unknown): SwitchyardError => new InternalError(`unexpected failure in a model call: ${String(error)}`, error);

function modelFor(context: ExecutionContext, spec: ModelSpec): LanguageModel {
  const model = context.models.get(spec.name);
  if (!model) throw new InternalError(`no model instance for "${spec.name}"`);
  return model;
}

/** The error to report once the plan is exhausted: the only one, or all of them. */
function finalError(attempts: Attempt[], last: SwitchyardError | undefined): SwitchyardError {
  if (last === undefined) return new InternalError('the plan has no model to try');
  return attempts.length > 1 ? new AllAttemptsFailedError(attempts, last) : last;
}

/** Tries the plan's models in order until one answers. */
export async function executeGenerate(plan: readonly ModelSpec[], request: ChatRequest, context: ExecutionContext): Promise<GenerateExecution> {
  const attempts: Attempt[] = [];
  let last: SwitchyardError | undefined;
  for (const spec of plan) {
    const recorder = new AttemptRecorder(spec);
    try {
      const result = await modelFor(context, spec).doGenerate(request, { signal: context.signal });
      result.usage ??= estimateUsage(request, resultText(result));
      attempts.push(recorder.succeeded(result.usage));
      return { ok: true, result, spec, attempts };
    } catch (thrown) {
      last = asSwitchyardError(thrown, unexpected);
      attempts.push(recorder.failed(last));
      if (!shouldFailOver(last)) break;
    }
  }
  return { ok: false, error: finalError(attempts, last), attempts };
}

/**
 * Tries the plan's models in order, and commits to one only when its first content part has
 * arrived: a failure before that (an error status, a stream that breaks or errors before any
 * output) moves on to the next model invisibly, since nothing has reached the client yet.
 */
export async function executeStream(plan: readonly ModelSpec[], request: ChatRequest, context: ExecutionContext): Promise<StreamExecution> {
  const attempts: Attempt[] = [];
  let last: SwitchyardError | undefined;
  for (const spec of plan) {
    const recorder = new AttemptRecorder(spec);
    let iterator: AsyncIterator<StreamPart> | undefined;
    try {
      const stream = await modelFor(context, spec).doStream(request, { signal: context.signal });
      iterator = stream.parts[Symbol.asyncIterator]();
      const head: StreamPart[] = [];
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        const part = next.value;
        if (part.type === 'error') throw part.error;
        head.push(part);
        if (isContentPart(part)) {
          recorder.markFirstToken();
          return { ok: true, spec, attempts, parts: committed(head, iterator, recorder, attempts, request) };
        }
      }
      // A stream with no content part at all still completed (e.g. only a usage chunk).
      return { ok: true, spec, attempts, parts: committed(head, iterator, recorder, attempts, request) };
    } catch (thrown) {
      last = asSwitchyardError(thrown, unexpected);
      attempts.push(recorder.failed(last));
      await iterator?.return?.();
      if (!shouldFailOver(last)) break;
    }
  }
  return { ok: false, error: finalError(attempts, last), attempts };
}

/** The committed stream: the peeked head, then the rest; records the attempt when it ends. */
async function* committed(
  head: StreamPart[],
  rest: AsyncIterator<StreamPart>,
  recorder: AttemptRecorder,
  attempts: Attempt[],
  request: ChatRequest,
): AsyncGenerator<StreamPart> {
  let usage: Usage | undefined;
  let output = '';
  let error: SwitchyardError | undefined;
  let ended = false;
  const observe = (part: StreamPart): void => {
    if (part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'refusal-delta') output += part.text;
    else if (part.type === 'tool-call-delta') output += (part.name ?? '') + part.argumentsDelta;
    else if (part.type === 'usage') usage = part.usage;
    else if (part.type === 'error') error = part.error;
  };
  try {
    for (const part of head) {
      observe(part);
      if (part.type !== 'usage') yield part;
    }
    for (;;) {
      const next = await rest.next();
      if (next.done) break;
      observe(next.value);
      // Usage is held back and sent last, after the gateway has had a chance to estimate it.
      if (next.value.type !== 'usage') yield next.value;
      if (error) break;
    }
    if (!error) {
      usage ??= estimateUsage(request, output);
      yield { type: 'usage', usage };
    }
    ended = true;
  } finally {
    if (!ended) await rest.return?.();
    if (error) attempts.push(recorder.failed(error, usage));
    else if (ended) attempts.push(recorder.succeeded(usage));
    // Stopped by the consumer (the client went away): what was generated so far was still billed.
    else attempts.push(recorder.failed(new AbortedError('The stream was cancelled before it ended.'), usage ?? estimateUsage(request, output)));
  }
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
