import type { Attempt, AttemptError } from '../spec/trace.js';
import type { BudgetState, FilteredCandidate } from '../spec/decision.js';
import { SwitchyardError } from './switchyard-error.js';

/** Every candidate of the plan was filtered out before any call (e.g. providers without keys, open circuits). */
export class NoAvailableModelError extends SwitchyardError {
  readonly kind = 'no_available_model';
  readonly filtered: readonly FilteredCandidate[];
  /** Variables that would enable a filtered candidate. */
  readonly missingEnv: readonly string[];
  /** When open circuits were in the way: how long until one of them lets a probe through. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: { filtered: readonly FilteredCandidate[]; missingEnv: readonly string[]; retryAfterMs?: number | undefined }) {
    super(message);
    this.filtered = options.filtered;
    this.missingEnv = options.missingEnv;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Every deployment that could take the request is at its provider quota (`limits: { rpm, tpm }`)
 * for now: the gateway refuses before the provider would (429), and `retryAfterMs` says when the
 * first one frees.
 */
export class DeploymentQuotaError extends SwitchyardError {
  readonly kind = 'deployment_quota';
  readonly filtered: readonly FilteredCandidate[];
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: { filtered: readonly FilteredCandidate[]; retryAfterMs: number | undefined }) {
    super(message, { retryable: true });
    this.filtered = options.filtered;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * No candidate can take the request: each lacks a capability it needs or is too small for the
 * prompt. The client's request is the problem (400), not the gateway's health.
 */
export class NoCompatibleModelError extends SwitchyardError {
  readonly kind = 'no_compatible_model';
  readonly filtered: readonly FilteredCandidate[];
  /** True when only context windows ruled the candidates out. */
  readonly contextLength: boolean;

  constructor(message: string, filtered: readonly FilteredCandidate[]) {
    super(message);
    this.filtered = filtered;
    this.contextLength = filtered.every((item) => item.reason === 'context_window');
  }
}

/** More than one model was tried and none answered. Keeps every attempt. */
export class AllAttemptsFailedError extends SwitchyardError {
  readonly kind = 'all_attempts_failed';
  readonly attempts: readonly Attempt[];
  readonly lastError: SwitchyardError;

  constructor(attempts: readonly Attempt[], lastError: SwitchyardError) {
    const summary = attempts.map((attempt) => `${attempt.model}: ${describeAttemptError(attempt.error)}`).join('; ');
    super(`All ${attempts.length} attempts failed. ${summary}`);
    this.attempts = attempts;
    this.lastError = lastError;
  }
}

function describeAttemptError(error: AttemptError | undefined): string {
  if (!error) return 'no answer';
  return error.status === undefined ? error.message : `HTTP ${error.status}: ${error.message}`;
}

/**
 * The request's worst case (its prompt and `max_tokens` at the dearest candidate's price) does not
 * fit what is left of its key's or team's budget this period. `retryAfterMs`: until the period
 * ends (or, for a rolling budget, until enough spend leaves the window).
 */
export class BudgetExceededError extends SwitchyardError {
  readonly kind = 'budget_exceeded';
  readonly budget: BudgetState;
  readonly retryAfterMs: number;

  constructor(message: string, options: { budget: BudgetState; retryAfterMs: number }) {
    super(message);
    this.budget = options.budget;
    this.retryAfterMs = options.retryAfterMs;
  }
}
