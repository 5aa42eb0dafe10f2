const BRAND = Symbol.for('switchyard.error');

/**
 * Every kind of failure Switchyard knows. Each has its class in `AnySwitchyardError` and its entry
 * in `server/error-to-http.ts#HTTP_BY_KIND`; a kind missing from either does not compile.
 */
export type ErrorKind =
  | 'config'
  | 'startup'
  | 'invalid_request'
  | 'authentication'
  | 'forbidden'
  | 'misdirected_request'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'overloaded'
  | 'no_available_model'
  | 'deployment_quota'
  | 'rate_limited'
  | 'budget_exceeded'
  | 'state_unavailable'
  | 'no_compatible_model'
  | 'upstream_http'
  | 'upstream_connection'
  | 'upstream_timeout'
  | 'upstream_protocol'
  | 'aborted'
  | 'shutdown'
  | 'all_attempts_failed'
  | 'internal';

/**
 * Base of the error hierarchy. Branded with `Symbol.for` so `isInstance` works across duplicated
 * package copies, where `instanceof` does not.
 */
export abstract class SwitchyardError extends Error {
  abstract readonly kind: ErrorKind;
  /** Whether sending the same request to the same target again may succeed. */
  readonly retryable: boolean;
  private readonly [BRAND] = true;

  protected constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }

  override get name(): string {
    return this.constructor.name;
  }

  static isInstance(value: unknown): value is SwitchyardError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
