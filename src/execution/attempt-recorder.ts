import { asKnownError } from '../errors/any-switchyard-error.js';
import { SwitchyardError } from '../errors/switchyard-error.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { Attempt, AttemptError, AttemptRole } from '../spec/trace.js';
import type { Usage } from '../spec/usage.js';
import type { DeploymentLoad } from './deployment-load.js';
import type { QuotaReservation } from './deployment-quota.js';

export function toAttemptError(thrown: SwitchyardError): AttemptError {
  const error = asKnownError(thrown);
  const status = error.kind === 'upstream_http' ? error.status : undefined;
  return { kind: error.kind, message: error.message, retryable: error.retryable, ...(status === undefined ? {} : { status }) };
}

/** Who an attempt is for: its role in the request, its cascade step or parallel branch, the load tracker it counts in, and its place in its deployment's quota. */
export type AttemptLabel = { role: AttemptRole; step?: number | undefined; load?: DeploymentLoad | undefined; reservation?: QuotaReservation | undefined };

/** Times one attempt and turns it into an Attempt record when it ends (exactly once). */
export class AttemptRecorder {
  readonly startedAt = Date.now();
  private readonly start = performance.now();
  private firstTokenMs: number | undefined;
  private warnings: readonly string[] | undefined;

  constructor(
    readonly spec: ModelSpec,
    private readonly retry = 0,
    private readonly label: AttemptLabel = { role: 'answer' },
  ) {
    label.load?.started(spec.name);
  }

  /** What the provider could not carry for this model (kept on the Attempt); a stream's list may grow until the attempt ends. */
  warn(warnings: readonly string[] | undefined): void {
    this.warnings = warnings;
  }

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
    const durationMs = performance.now() - this.start;
    this.label.load?.finished(this.spec.name, outcome === 'error' ? undefined : (this.firstTokenMs ?? durationMs));
    this.label.reservation?.settle(quotaTokensUsed(usage));
    const attempt: Attempt = {
      model: this.spec.name,
      provider: this.spec.provider,
      role: this.label.role,
      retry: this.retry,
      startedAt: this.startedAt,
      firstTokenMs: this.firstTokenMs,
      durationMs,
      outcome,
      error,
      usage,
    };
    if (this.label.step !== undefined) attempt.step = this.label.step;
    if (this.warnings && this.warnings.length > 0) attempt.warnings = [...this.warnings];
    return attempt;
  }
}

/** Anything thrown below the executor, as a SwitchyardError (a non-Switchyard throw is a bug upstream of us). */
export function asSwitchyardError(error: unknown, wrap: (error: unknown) => SwitchyardError): SwitchyardError {
  return SwitchyardError.isInstance(error) ? error : wrap(error);
}

/** The tokens a call counts against `limits.tpm` once it is over: input and output as billed; undefined when the input is unknown. */
function quotaTokensUsed(usage: Usage | undefined): number | undefined {
  return usage?.inputTokens === undefined ? undefined : usage.inputTokens + (usage.outputTokens ?? 0);
}
