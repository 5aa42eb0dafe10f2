import { asKnownError } from '../errors/any-switchyard-error.js';
import { SwitchyardError } from '../errors/switchyard-error.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { Attempt, AttemptError } from '../spec/trace.js';
import type { Usage } from '../spec/usage.js';

export function toAttemptError(thrown: SwitchyardError): AttemptError {
  const error = asKnownError(thrown);
  const status = error.kind === 'upstream_http' ? error.status : undefined;
  return { kind: error.kind, message: error.message, retryable: error.retryable, ...(status === undefined ? {} : { status }) };
}

/** Times one attempt and turns it into an Attempt record when it ends. */
export class AttemptRecorder {
  readonly startedAt = Date.now();
  private readonly start = performance.now();
  private firstTokenMs: number | undefined;

  constructor(
    readonly spec: ModelSpec,
    private readonly retry = 0,
  ) {}

  markFirstToken(): void {
    this.firstTokenMs ??= performance.now() - this.start;
  }

  succeeded(usage: Usage | undefined): Attempt {
    return this.record('ok', undefined, usage);
  }

  failed(error: SwitchyardError, usage?: Usage): Attempt {
    return this.record('error', toAttemptError(error), usage);
  }

  refused(usage: Usage | undefined): Attempt {
    return this.record('refused', undefined, usage);
  }

  private record(outcome: Attempt['outcome'], error: AttemptError | undefined, usage: Usage | undefined): Attempt {
    return {
      model: this.spec.name,
      provider: this.spec.provider,
      retry: this.retry,
      startedAt: this.startedAt,
      firstTokenMs: this.firstTokenMs,
      durationMs: performance.now() - this.start,
      outcome,
      error,
      usage,
    };
  }
}

/** Anything thrown below the executor, as a SwitchyardError (a non-Switchyard throw is a bug upstream of us). */
export function asSwitchyardError(error: unknown, wrap: (error: unknown) => SwitchyardError): SwitchyardError {
  return SwitchyardError.isInstance(error) ? error : wrap(error);
}
