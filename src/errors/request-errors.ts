import type { RateLimitSnapshot } from '../spec/rate-limit.js';
import { SwitchyardError } from './switchyard-error.js';

/** The client's request is malformed or names an invalid field. `param` is the field's path. */
export class InvalidRequestError extends SwitchyardError {
  readonly kind = 'invalid_request';
  readonly param: string | undefined;
  readonly code: string | undefined;

  constructor(message: string, options: { param?: string; code?: string } = {}) {
    super(message);
    this.param = options.param;
    this.code = options.code;
  }
}

/** Missing or wrong gateway API key (the gateway's own keys, never a provider's). */
export class AuthenticationError extends SwitchyardError {
  readonly kind = 'authentication';
  constructor(message: string) {
    super(message);
  }
}

/**
 * A browser request the API refuses: cross-origin without a CORS grant (`cross_origin`), or a body
 * type an HTML form can send from any site (`form_content_type`).
 */
/** `model_not_allowed`: a virtual key asked for a router or model outside its allow lists; `admin_only`: a non-admin key called `/admin/…`. */
export type ForbiddenCode = 'cross_origin' | 'form_content_type' | 'model_not_allowed' | 'admin_only';

export class ForbiddenError extends SwitchyardError {
  readonly kind = 'forbidden';
  readonly code: ForbiddenCode;

  constructor(message: string, code: ForbiddenCode) {
    super(message);
    this.code = code;
  }
}

/** A `Host` this server does not answer to (the mark of DNS rebinding). */
export class MisdirectedRequestError extends SwitchyardError {
  readonly kind = 'misdirected_request';
  constructor(message: string) {
    super(message);
  }
}

/** The client named a model or router that does not exist, or a path the gateway does not serve. */
export class NotFoundError extends SwitchyardError {
  readonly kind = 'not_found';
  /** Null where OpenAI answers none: a stored response it does not have (`GET`/`DELETE /v1/responses/{id}`). */
  readonly code: 'model_not_found' | 'trace_not_found' | 'previous_response_not_found' | 'not_found' | null;
  readonly param: string | undefined;

  constructor(message: string, options: { code: 'model_not_found' | 'trace_not_found' | 'previous_response_not_found' | 'not_found' | null; param?: string }) {
    super(message);
    this.code = options.code;
    this.param = options.param;
  }
}

/** A known path called with a method it does not serve. */
export class MethodNotAllowedError extends SwitchyardError {
  readonly kind = 'method_not_allowed';
  readonly allowed: readonly string[];

  constructor(method: string, path: string, allowed: readonly string[]) {
    super(`Method ${method} is not allowed on ${path}; use ${allowed.join(' or ')}.`);
    this.allowed = allowed;
  }
}

export class PayloadTooLargeError extends SwitchyardError {
  readonly kind = 'payload_too_large';
  readonly limitBytes: number;

  constructor(limitBytes: number) {
    super(`Request body is larger than the limit of ${limitBytes} bytes (server.max_body_size).`);
    this.limitBytes = limitBytes;
  }
}

/**
 * The gateway holds as many request bodies as it may (`server.max_inflight_body_size`): this one
 * can come back shortly, when requests in flight have finished.
 */
export class OverloadedError extends SwitchyardError {
  readonly kind = 'overloaded';
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super(message, { retryable: true });
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The shared state (Redis) did not answer within its timeout, and the concern in the way fails
 * closed (`state.on_failure`): the gateway refuses rather than count money or limits it cannot see.
 */
export class StateUnavailableError extends SwitchyardError {
  readonly kind = 'state_unavailable';
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs = 1_000) {
    super(message, { retryable: true });
    this.retryAfterMs = retryAfterMs;
  }
}

/** The request was cancelled, usually because the client disconnected. */
export class AbortedError extends SwitchyardError {
  readonly kind = 'aborted';
  constructor(message = 'The request was aborted.') {
    super(message);
  }
}

/** A bug: something that should not happen. The message is safe to show (no secrets). */
export class InternalError extends SwitchyardError {
  readonly kind = 'internal';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

/**
 * A virtual key (or its team) is over one of its rate limits: requests or tokens per minute, or
 * requests in flight. Nothing was routed or counted; `retryAfterMs` says when the limit that
 * refused it has room again.
 */
export class KeyRateLimitError extends SwitchyardError {
  readonly kind = 'rate_limited';
  readonly retryAfterMs: number;
  readonly rateLimit: RateLimitSnapshot;

  constructor(message: string, options: { retryAfterMs: number; rateLimit: RateLimitSnapshot }) {
    super(message, { retryable: true });
    this.retryAfterMs = options.retryAfterMs;
    this.rateLimit = options.rateLimit;
  }
}
