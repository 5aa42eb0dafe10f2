import type { SwitchyardError } from '../errors/switchyard-error.js';
import { errorToHttp } from './error-to-http.js';

export type AnthropicErrorBody = { type: 'error'; error: { type: string; message: string }; request_id: string };

export type AnthropicHttpError = { status: number; body: AnthropicErrorBody; headers: Record<string, string> };

/**
 * Anthropic's error type of each status the gateway answers with (its documented table, plus the
 * gateway's own 405, 421, 499 and 502/503). A status not listed falls back to its class.
 */
const TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  413: 'request_too_large',
  421: 'permission_error',
  429: 'rate_limit_error',
  499: 'api_error',
  500: 'api_error',
  502: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/**
 * An error in Anthropic's dialect. The status, message and headers (`retry-after`,
 * `x-should-retry`, `allow`, ...) are the ones `errorToHttp` decides for each kind, the one map from
 * the error hierarchy to HTTP; only the body's shape and type names are this dialect's. One status
 * differs: the gateway's own overload (no room for another request body) is Anthropic's 529
 * `overloaded_error`, the status its clients know as "busy, back off and retry" (Claude Code says
 * so and retries), where the OpenAI dialect has 503. The other 503s (no model available, shutting
 * down) are not overload of this instance and keep theirs.
 */
export function errorToAnthropicHttp(error: SwitchyardError, requestId: string): AnthropicHttpError {
  const http = errorToHttp(error);
  const status = error.kind === 'overloaded' ? 529 : http.status;
  const type = TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return { status, body: { type: 'error', error: { type, message: http.body.error.message }, request_id: requestId }, headers: http.headers };
}
