import type { ProviderErrorSource } from '../errors/provider-errors.js';
import { ProviderTimeoutError } from '../errors/provider-errors.js';
import { AbortedError } from '../errors/request-errors.js';
import type { SwitchyardError } from '../errors/switchyard-error.js';
import type { TimeoutSettings } from '../spec/reliability.js';
import type { LanguageModelCallOptions } from '../spec/language-model.js';
import { type Cancellation, CancellationSource } from '../util/cancellation.js';

/** Which clock cut an attempt: no first token in time (streams), the call too long, or the request's budget spent. */
export type Expiry = 'first_token' | 'total' | 'request';

/**
 * The clock of one attempt: a cancellation that aborts when the client goes away, when no first token
 * came in time (streams), when the whole call ran too long, or when the request's budget ran out
 * before the answer began; and the error that explains which.
 */
export class AttemptDeadline {
  /** No AbortSignal unless a provider reads `signal` (see util/cancellation.ts for why). */
  private readonly source = new CancellationSource();
  /** What the model call is given. */
  readonly callOptions: LanguageModelCallOptions;
  private expired: Expiry | undefined;
  /** Dropped once cleared: a cleared timer still holds its closure, and with it this deadline, for as long as a stream runs. */
  private firstTokenTimer: NodeJS.Timeout | undefined;
  private readonly totalTimer: NodeJS.Timeout;
  private requestTimer: NodeJS.Timeout | undefined;
  private readonly stopFollowingClient: () => void;

  constructor(
    private readonly client: Cancellation,
    private readonly timeout: TimeoutSettings,
    stream: boolean,
    /** What is left of the request's budget (`timeout.requestMs` from the request's arrival). */
    requestLeftMs: number = timeout.requestMs,
  ) {
    const source = this.source;
    this.callOptions = new CallOptions(source);
    if (client.aborted) source.abort();
    this.stopFollowingClient = client.onAbort(() => source.abort());
    this.totalTimer = setTimeout(() => this.expire('total'), timeout.totalMs);
    this.requestTimer = setTimeout(() => this.expire('request'), Math.max(0, requestLeftMs));
    // A JSON answer arrives in one piece: it has no first token to wait for.
    this.firstTokenTimer = stream ? setTimeout(() => this.expire('first_token'), timeout.firstTokenMs) : undefined;
  }

  /** The answer has begun: from here only the total timeout applies. */
  firstToken(): void {
    clearTimeout(this.firstTokenTimer);
    clearTimeout(this.requestTimer);
    this.firstTokenTimer = undefined;
    this.requestTimer = undefined;
  }

  /** Which clock cut the attempt, if one did. */
  get expiry(): Expiry | undefined {
    return this.expired;
  }

  /** The error this attempt ended with, in the light of why its signal aborted (if it did). */
  explain(error: SwitchyardError, source: ProviderErrorSource): SwitchyardError {
    // A client that went away is the whole story, whatever timer fired afterwards.
    if (this.client.aborted) return error.kind === 'aborted' ? error : new AbortedError();
    if (this.expired === 'first_token') {
      return new ProviderTimeoutError(source, `${source.model} sent no first token within ${this.timeout.firstTokenMs} ms`);
    }
    if (this.expired === 'total') return new ProviderTimeoutError(source, `${source.model} did not finish within ${this.timeout.totalMs} ms`);
    if (this.expired === 'request') {
      return new ProviderTimeoutError(source, `${source.model} had not answered when the request reached its deadline of ${this.timeout.requestMs} ms`);
    }
    return error;
  }

  dispose(): void {
    clearTimeout(this.firstTokenTimer);
    clearTimeout(this.totalTimer);
    clearTimeout(this.requestTimer);
    this.stopFollowingClient();
  }

  private expire(which: Expiry): void {
    if (this.source.aborted) return;
    this.expired = which;
    this.source.abort();
  }
}

/**
 * The `signal` getter lives on a class's prototype: an object literal with a getter is one V8 (Node 20)
 * keeps past young collections with all it reaches, like a spread-first literal (util/merged.ts).
 */
class CallOptions implements LanguageModelCallOptions {
  constructor(readonly cancellation: CancellationSource) {}

  get signal(): AbortSignal {
    return this.cancellation.signal;
  }
}
