import { AbortedError } from '../errors/request-errors.js';
import type { SwitchyardError } from '../errors/switchyard-error.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { StreamPart } from '../spec/stream-part.js';
import type { Attempt } from '../spec/trace.js';
import type { Usage } from '../spec/usage.js';
import { estimateUsage } from '../tokens/estimate-usage.js';
import type { AttemptDeadline } from './attempt-deadline.js';
import type { AttemptRecorder } from './attempt-recorder.js';
import type { CircuitBreaker, CircuitPermit } from './circuit-breaker.js';
import { failureAction, isDeploymentFailure } from './failure-policy.js';
import { ClosingIterator, STREAM_DONE } from '../util/closing-iterator.js';

/** The attempt a committed stream belongs to: recorded (and its breaker told) when the stream ends, however it ends. */
export type CommittedAttempt = {
  target: { spec: ModelSpec; breaker: CircuitBreaker | undefined; permit: CircuitPermit | undefined };
  recorder: AttemptRecorder;
  deadline: AttemptDeadline;
  attempts: Attempt[];
  request: ChatRequest;
};

const NO_PARTS: readonly StreamPart[] = [];

/**
 * The committed stream: the peeked head, then the rest; usage is held back and sent last (estimated
 * if the upstream sent none), and the attempt is recorded when it ends (a `ClosingIterator`, not a
 * generator: see there). As with `for await`, a call is made once the one before it has settled.
 */
export class CommittedStream extends ClosingIterator<StreamPart> {
  private at = 0;
  /** `ending`: the last part (usage, or an error) went out, the next call closes. */
  private state: 'head' | 'rest' | 'ending' | 'closed' = 'head';
  private usage: Usage | undefined;
  private output = '';
  private error: SwitchyardError | undefined;

  constructor(
    /** Dropped once sent: the stream can last minutes. */
    private head: readonly StreamPart[],
    private readonly rest: AsyncIterator<StreamPart>,
    private readonly attempt: CommittedAttempt,
  ) {
    super();
  }

  next(): Promise<IteratorResult<StreamPart>> {
    if (this.state === 'head') {
      while (this.at < this.head.length) {
        const part = this.observe(this.head[this.at++] as StreamPart);
        if (part.type !== 'usage') return Promise.resolve({ done: false, value: part });
      }
      this.head = NO_PARTS;
      this.state = 'rest';
    }
    if (this.state === 'rest') return this.rest.next().then(this.read, this.failed);
    if (this.state === 'ending') return this.close(true).then(() => STREAM_DONE);
    return Promise.resolve(STREAM_DONE);
  }

  /** One part from upstream: passed on, or (usage) kept and the next one read. */
  private readonly read = (next: IteratorResult<StreamPart>): IteratorResult<StreamPart> | Promise<IteratorResult<StreamPart>> => {
    if (next.done) return this.last();
    const part = this.observe(next.value);
    if (part.type === 'usage') return this.rest.next().then(this.read, this.failed);
    if (this.error) this.state = 'ending';
    return { done: false, value: part };
  };

  /** Upstream ended: the usage part, estimated (from the prompt and what came) if it sent none. */
  private async last(): Promise<IteratorResult<StreamPart>> {
    try {
      this.usage ??= await estimateUsage(this.attempt.request, this.output);
    } catch (thrown) {
      return this.failed(thrown);
    }
    this.state = 'ending';
    return { done: false, value: { type: 'usage', usage: this.usage } };
  }

  private observe(part: StreamPart): StreamPart {
    if (part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'refusal-delta') this.output += part.text;
    else if (part.type === 'tool-call-delta') this.output += (part.name ?? '') + part.argumentsDelta;
    else if (part.type === 'usage') this.usage = part.usage;
    else if (part.type === 'error') {
      // A timeout that fired mid-stream surfaces as an abort from below; say what it was.
      const { spec } = this.attempt.target;
      this.error = this.attempt.deadline.explain(part.error, { provider: spec.provider, model: spec.name });
      return { type: 'error', error: this.error };
    }
    return part;
  }

  /** `ended`: the stream ran to its end (or to its error part); otherwise the consumer stopped it. */
  protected async close(ended: boolean): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const { target, recorder, deadline, attempts, request } = this.attempt;
    deadline.dispose();
    if (!ended) await this.rest.return?.();
    const error = this.error;
    if (error) {
      if (isDeploymentFailure(failureAction(error))) target.breaker?.recordFailure(target.permit);
      else target.breaker?.release(target.permit);
      // Broken midway, the call was still billed: what the upstream reported, else an estimate of the prompt and what came.
      attempts.push(recorder.failed(error, this.usage ?? (await estimateUsage(request, this.output))));
    } else if (ended) {
      target.breaker?.recordSuccess(target.permit);
      attempts.push(recorder.succeeded(this.usage));
    } else {
      // Stopped by the consumer (the client went away): what was generated so far was still billed.
      target.breaker?.release(target.permit);
      attempts.push(recorder.failed(new AbortedError('The stream was cancelled before it ended.'), this.usage ?? (await estimateUsage(request, this.output))));
    }
  }
}
