/** How one model deployment is retried, timed out and circuit-broken. Resolved from defaults, provider and model config. */

export type RetrySettings = {
  /** Calls to the same model for one request, the first included (1 = no retry). */
  maxAttempts: number;
  /** Backoff before retry n (1-based) is initialDelayMs·2^(n-1), capped at maxDelayMs, minus up to 25% jitter. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** An upstream `retry-after` longer than this is not waited for: the request moves to the next model instead. */
  maxRetryAfterMs: number;
};

export type TimeoutSettings = {
  /** TCP (and TLS) connect. */
  connectMs: number;
  /** From sending the request to the first content part of a stream. */
  firstTokenMs: number;
  /** The whole call, stream included. */
  totalMs: number;
  /**
   * The request's budget on this model, counted from the gateway's receipt of the request (routing,
   * earlier attempts, backoffs and fallbacks included): no attempt on it starts past this, and one
   * running is cut here. It bounds the wait for an answer to begin: all of a JSON answer, the first
   * content of a stream (a stream that has begun then runs to `totalMs`).
   */
  requestMs: number;
};

export type CircuitBreakerSettings = {
  /** Opens after this many failures in a row. */
  consecutiveFailures: number;
  /** ...or when the failure rate over the window reaches this (0-1), once the window holds minRequests calls. */
  errorRate: number;
  windowMs: number;
  minRequests: number;
  /** How long it stays open before letting one probe through (doubled after each failed probe, up to 10 times this). */
  cooldownMs: number;
};

export type ReliabilitySettings = {
  retry: RetrySettings;
  timeout: TimeoutSettings;
  circuitBreaker: CircuitBreakerSettings;
};

/** Reliability settings as written in YAML (a provider's, a model's): any field may be missing. */
export type ReliabilityOverrides = {
  retry: Partial<ReliabilitySettings['retry']>;
  timeout: Partial<ReliabilitySettings['timeout']>;
  circuitBreaker: Partial<ReliabilitySettings['circuitBreaker']>;
};

/**
 * Defaults in the spirit of the OpenAI SDKs (3 attempts, 0.5 s doubling to 8 s) with a
 * gateway's caution: a retry-after over 10 s hands over to the next model rather than holding
 * the client, and the first token may take two minutes (reasoning models think before they speak).
 * A request gets 5 minutes in all to begin its answer, whatever its retries and fallbacks: half the
 * OpenAI SDKs' own 10-minute timeout, so the client hears the gateway's 504 before it gives up and
 * resends (3 attempts of 10 minutes each used to hold a JSON client for half an hour). A stream that
 * has begun may run 10 minutes (a long answer at 50 tokens a second takes that long).
 */
export const DEFAULT_RELIABILITY: ReliabilitySettings = {
  retry: { maxAttempts: 3, initialDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 10_000 },
  timeout: { connectMs: 10_000, firstTokenMs: 120_000, totalMs: 600_000, requestMs: 300_000 },
  circuitBreaker: { consecutiveFailures: 5, errorRate: 0.5, windowMs: 60_000, minRequests: 20, cooldownMs: 30_000 },
};
