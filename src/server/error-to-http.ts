import { asKnownError } from '../errors/any-switchyard-error.js';
import type { AllAttemptsFailedError } from '../errors/execution-errors.js';
import type { ProviderHttpError } from '../errors/provider-errors.js';
import type { SwitchyardError } from '../errors/switchyard-error.js';

export type OpenAIErrorBody = {
  error: { message: string; type: string; param: string | null; code: string | null; [extra: string]: unknown };
};

export type HttpError = { status: number; body: OpenAIErrorBody; headers: Record<string, string> };

/**
 * The one map from error kind to HTTP status and OpenAI error body. The switch is exhaustive:
 * a new error kind does not compile until it is mapped here.
 */
export function errorToHttp(thrown: SwitchyardError): HttpError {
  const error = asKnownError(thrown);
  const body = (status: number, type: string, code: string | null, param: string | null = null, message = error.message): HttpError => ({
    status,
    body: { error: { message, type, param, code } },
    headers: {},
  });
  switch (error.kind) {
    case 'invalid_request':
      return body(400, 'invalid_request_error', error.code ?? null, error.param ?? null);
    case 'authentication':
      return body(401, 'invalid_request_error', 'invalid_api_key');
    case 'forbidden':
      return body(403, 'invalid_request_error', error.code);
    case 'misdirected_request':
      // 421: this server is not the one that name is meant for (RFC 9110 §15.5.20).
      return body(421, 'invalid_request_error', 'host_not_allowed');
    case 'not_found':
      return body(404, 'invalid_request_error', error.code, error.param ?? null);
    case 'method_not_allowed':
      return withHeaders(body(405, 'invalid_request_error', 'method_not_allowed'), { allow: error.allowed.join(', ') });
    case 'payload_too_large':
      return withHeaders(body(413, 'invalid_request_error', 'request_too_large'), { connection: 'close' });
    case 'overloaded':
      // The connection stays open: the body is drained (not kept), so a client still sending it reads this answer.
      return withHeaders(body(503, 'service_unavailable_error', 'gateway_overloaded'), {
        'retry-after': String(Math.ceil(error.retryAfterMs / 1000)),
        'retry-after-ms': String(error.retryAfterMs),
        'x-should-retry': 'true',
      });
    case 'no_available_model':
      // Retrying at once cannot help: not until the operator changes the configuration, or, when
      // open circuits are in the way, until one lets a probe through (`retry-after` says when).
      return withHeaders(body(503, 'service_unavailable_error', 'no_available_model'), { 'x-should-retry': 'false', ...retryAfterHeaders(error.retryAfterMs) });
    case 'no_compatible_model':
      return body(400, 'invalid_request_error', error.contextLength ? 'context_length_exceeded' : 'unsupported_request');
    case 'upstream_http':
      return upstreamHttpError(error);
    case 'upstream_connection':
      return body(502, 'upstream_error', 'upstream_connection_error');
    case 'upstream_timeout':
      return body(504, 'upstream_error', 'upstream_timeout');
    case 'upstream_protocol':
      return body(502, 'upstream_error', 'upstream_protocol_error');
    case 'all_attempts_failed':
      return allAttemptsFailed(error);
    case 'aborted':
      // nginx's "client closed request": the client is gone and will not read it, but logs will.
      return body(499, 'request_aborted', 'request_aborted');
    case 'shutdown':
      // The client may retry at once: a load balancer sends it to an instance that is not stopping.
      return withHeaders(body(503, 'service_unavailable_error', 'server_shutting_down'), { connection: 'close', 'x-should-retry': 'true' });
    case 'config':
    case 'internal':
      return body(500, 'server_error', 'internal_error');
  }
}

function withHeaders(error: HttpError, headers: Record<string, string>): HttpError {
  return { ...error, headers: { ...error.headers, ...headers } };
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
    const headers: Record<string, string> = {};
    if (error.retryAfterMs !== undefined) {
      headers['retry-after'] = String(Math.ceil(error.retryAfterMs / 1000));
      headers['retry-after-ms'] = String(Math.round(error.retryAfterMs));
    }
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
