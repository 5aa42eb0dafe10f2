import { SwitchyardError } from './switchyard-error.js';

/** Where a provider error came from: names only, never a key or a URL with credentials. */
export type ProviderErrorSource = { provider: string; model: string };

/** Statuses worth sending again to the same target (openai-node and the AI SDK agree on these). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * What an upstream error means for failover, classified by the adapter that knows the wire format:
 * a prompt too long for the model (only a larger model can help), or a content-policy refusal (by
 * default not something to route around).
 */
export type ProviderErrorCategory = 'context_length' | 'content_filter';

/** The upstream answered with a non-2xx status, or sent an error event inside a stream. */
export class ProviderHttpError extends SwitchyardError {
  readonly kind = 'upstream_http';
  readonly source: ProviderErrorSource;
  /** Upstream HTTP status; for an error event inside a 200 stream, the status the event names, else 500. */
  readonly status: number;
  readonly upstreamType: string | undefined;
  readonly upstreamCode: string | undefined;
  readonly upstreamParam: string | undefined;
  /** From `retry-after-ms` / `retry-after`, when the upstream sent one. */
  readonly retryAfterMs: number | undefined;
  readonly category: ProviderErrorCategory | undefined;

  constructor(options: {
    source: ProviderErrorSource;
    status: number;
    message: string;
    type?: string | undefined;
    code?: string | undefined;
    param?: string | undefined;
    retryAfterMs?: number | undefined;
    category?: ProviderErrorCategory | undefined;
    retryable?: boolean;
  }) {
    super(options.message, { retryable: options.retryable ?? isRetryableStatus(options.status) });
    this.source = options.source;
    this.status = options.status;
    this.upstreamType = options.type;
    this.upstreamCode = options.code;
    this.upstreamParam = options.param;
    this.retryAfterMs = options.retryAfterMs;
    this.category = options.category;
  }
}

/** A failure below HTTP status level, from one model of one provider. Always worth trying again. */
abstract class ProviderTransportError extends SwitchyardError {
  readonly source: ProviderErrorSource;

  constructor(source: ProviderErrorSource, message: string, cause?: unknown) {
    super(message, { retryable: true, cause });
    this.source = source;
  }
}

/** The connection to the upstream failed or broke (refused, reset, dropped mid-body). */
export class ProviderConnectionError extends ProviderTransportError {
  readonly kind = 'upstream_connection';
}

export class ProviderTimeoutError extends ProviderTransportError {
  readonly kind = 'upstream_timeout';
}

/** The upstream answered 2xx with something that is not the protocol: bad JSON, missing fields, a cut stream. */
export class ProviderProtocolError extends ProviderTransportError {
  readonly kind = 'upstream_protocol';
}
