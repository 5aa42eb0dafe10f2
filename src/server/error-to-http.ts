import { asKnownError, type ErrorByKind } from '../errors/any-switchyard-error.js';
import type { AllAttemptsFailedError } from '../errors/execution-errors.js';
import type { ProviderHttpError } from '../errors/provider-errors.js';
import type { ErrorKind, SwitchyardError } from '../errors/switchyard-error.js';
import { rateLimitHeaders } from './rate-limit-headers.js';
import { merged } from '../util/merged.js';

export type OpenAIErrorBody = {
  error: { message: string; type: string; param: string | null; code: string | null; [extra: string]: unknown };
};

export type HttpError = { status: number; body: OpenAIErrorBody; headers: Record<string, string> };

/** The one map from error kind to HTTP status and OpenAI error body. */
export function errorToHttp(thrown: SwitchyardError): HttpError {
  const error = asKnownError(thrown);
  return mapKind(error.kind, error);
}

/** Looks the kind up with its own class: the map's entry for `K` takes `ErrorByKind[K]`. */
function mapKind<K extends ErrorKind>(kind: K, error: ErrorByKind[K]): HttpError {
  return HTTP_BY_KIND[kind](error);
}

/**
 * One entry per `ErrorKind`, typed by the mapped type rather than a switch: a kind without an entry
 * does not compile (see error-to-http.typecheck.test.ts).
 */
const HTTP_BY_KIND: { [K in ErrorKind]: (error: ErrorByKind[K]) => HttpError } = {
  invalid_request: (error) => answer(error, 400, 'invalid_request_error', error.code ?? null, error.param ?? null),
  authentication: (error) => answer(error, 401, 'invalid_request_error', 'invalid_api_key'),
  forbidden: (error) => answer(error, 403, 'invalid_request_error', error.code),
  // 421: this server is not the one that name is meant for (RFC 9110 §15.5.20).
  misdirected_request: (error) => answer(error, 421, 'invalid_request_error', 'host_not_allowed'),
  not_found: (error) => answer(error, 404, 'invalid_request_error', error.code, error.param ?? null),
  method_not_allowed: (error) => withHeaders(answer(error, 405, 'invalid_request_error', 'method_not_allowed'), { allow: error.allowed.join(', ') }),
  payload_too_large: (error) => withHeaders(answer(error, 413, 'invalid_request_error', 'request_too_large'), { connection: 'close' }),
  // The connection stays open: the body is drained (not kept), so a client still sending it reads this answer.
  overloaded: (error) =>
    withHeaders(answer(error, 503, 'service_unavailable_error', 'gateway_overloaded'), {
      ...retryAfterHeaders(error.retryAfterMs),
      'x-should-retry': 'true',
    }),
  // Retrying at once cannot help: not until the operator changes the configuration, or, when
  // open circuits are in the way, until one lets a probe through (`retry-after` says when).
  no_available_model: (error) =>
    withHeaders(answer(error, 503, 'service_unavailable_error', 'no_available_model'), { 'x-should-retry': 'false', ...retryAfterHeaders(error.retryAfterMs) }),
  // The provider quotas of the deployments (`limits`) are full for now: the client may retry once the first frees.
  deployment_quota: (error) => withHeaders(answer(error, 429, 'rate_limit_error', 'deployment_quota_exceeded'), retryAfterHeaders(error.retryAfterMs)),
  // A key's own limits: its requests may go again when the window has room (`retry-after`), and the headers say how much.
  rate_limited: (error) => withHeaders(answer(error, 429, 'rate_limit_error', 'rate_limit_exceeded'), { ...retryAfterHeaders(error.retryAfterMs), ...rateLimitHeaders(error.rateLimit) }),
  // Not before the period ends: an SDK that retried by itself would only fail again.
  budget_exceeded: (error) =>
    withHeaders(answer(error, 429, 'insufficient_quota', 'budget_exceeded'), { ...retryAfterHeaders(error.retryAfterMs), 'x-should-retry': 'false' }),
  // Redis did not answer and the concern fails closed: another try (or another gateway) may succeed shortly.
  state_unavailable: (error) =>
    withHeaders(answer(error, 503, 'service_unavailable_error', 'state_unavailable'), { ...retryAfterHeaders(error.retryAfterMs), 'x-should-retry': 'true' }),
  no_compatible_model: (error) => answer(error, 400, 'invalid_request_error', error.contextLength ? 'context_length_exceeded' : 'unsupported_request'),
  upstream_http: (error) => upstreamHttpError(error),
  upstream_connection: (error) => answer(error, 502, 'upstream_error', 'upstream_connection_error'),
  upstream_timeout: (error) => answer(error, 504, 'upstream_error', 'upstream_timeout'),
  upstream_protocol: (error) => answer(error, 502, 'upstream_error', 'upstream_protocol_error'),
  all_attempts_failed: (error) => allAttemptsFailed(error),
  // nginx's "client closed request": the client is gone and will not read it, but logs will.
  aborted: (error) => answer(error, 499, 'request_aborted', 'request_aborted'),
  // The client may retry at once: a load balancer sends it to an instance that is not stopping.
  shutdown: (error) =>
    withHeaders(answer(error, 503, 'service_unavailable_error', 'server_shutting_down'), { connection: 'close', 'x-should-retry': 'true' }),
  config: (error) => answer(error, 500, 'server_error', 'internal_error'),
  startup: (error) => answer(error, 500, 'server_error', 'internal_error'),
  internal: (error) => answer(error, 500, 'server_error', 'internal_error'),
};

function answer(error: SwitchyardError, status: number, type: string, code: string | null, param: string | null = null): HttpError {
  return { status, body: { error: { message: error.message, type, param, code } }, headers: {} };
}

function withHeaders(error: HttpError, headers: Record<string, string>): HttpError {
  return { status: error.status, body: error.body, headers: merged(error.headers, headers) };
}

function retryAfterHeaders(ms: number | undefined): Record<string, string> {
  return ms === undefined ? {} : { 'retry-after': String(Math.ceil(ms / 1000)), 'retry-after-ms': String(Math.round(ms)) };
}

/**
 * An upstream's verdict on the request itself (400/413/422) goes back as 400 with its message and
 * code (e.g. context_length_exceeded), and a rate limit as 429 with its retry-after: both are
 * things the client can act on. Anything else the upstream did wrong is a 502 from our side.
 */
function upstreamHttpError(error: ProviderHttpError): HttpError {
  const where = `${error.source.provider} (model ${error.source.model})`;
  if (error.status === 400 || error.status === 413 || error.status === 422) {
    return {
      status: 400,
      body: {
        error: {
          message: `Upstream ${where} rejected the request: ${error.message}`,
          type: error.upstreamType ?? 'invalid_request_error',
          param: error.upstreamParam ?? null,
          code: error.upstreamCode ?? null,
        },
      },
      headers: {},
    };
  }
  if (error.status === 429) {
    const headers = retryAfterHeaders(error.retryAfterMs);
    return {
      status: 429,
      body: { error: { message: `Upstream ${where} is rate limiting: ${error.message}`, type: 'rate_limit_error', param: null, code: error.upstreamCode ?? 'rate_limit_exceeded' } },
      headers,
    };
  }
  return {
    status: 502,
    body: {
      error: {
        message: `Upstream ${where} failed with HTTP ${error.status}: ${error.message}`,
        type: 'upstream_error',
        param: null,
        code: error.upstreamCode ?? `upstream_http_${error.status}`,
      },
    },
    headers: {},
  };
}

/**
 * Every attempt, listed, with `x-should-retry: false` so client SDKs do not multiply the
 * gateway's own retries. 503, unless the last status says more: 400 when the request itself was
 * rejected, 429 (with the upstream's retry-after) when every attempt was rate limited.
 */
function allAttemptsFailed(error: AllAttemptsFailedError): HttpError {
  const last = asKnownError(error.lastError);
  const requestRejected = last.kind === 'upstream_http' && (last.status === 400 || last.status === 413 || last.status === 422);
  const rateLimited = error.attempts.every((attempt) => attempt.error?.status === 429);
  const headers: Record<string, string> = { 'x-should-retry': 'false' };
  if (rateLimited && last.kind === 'upstream_http' && last.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(last.retryAfterMs / 1000));
  return {
    status: requestRejected ? 400 : rateLimited ? 429 : 503,
    body: {
      error: {
        message: error.message,
        type: requestRejected ? 'invalid_request_error' : rateLimited ? 'rate_limit_error' : 'service_unavailable_error',
        param: null,
        code: 'all_attempts_failed',
        attempts: error.attempts.map((attempt) => ({ model: attempt.model, provider: attempt.provider, retry: attempt.retry, error: attempt.error })),
      },
    },
    headers,
  };
}
