import type { ServerResponse } from 'node:http';
import { KeyRateLimitError } from '../../errors/request-errors.js';
import type { SwitchyardError } from '../../errors/switchyard-error.js';
import { errorToAnthropicHttp } from '../error-to-anthropic-http.js';
import { sendJson } from '../http-io.js';
import { anthropicRateLimitHeaders } from './anthropic-rate-limit-headers.js';

/** Answers `error` in Anthropic's dialect; returns the status, or undefined when an answer had begun and the connection was cut instead. */
export function sendAnthropicError(response: ServerResponse, error: SwitchyardError, requestId: string, headers: Record<string, string> = {}): number | undefined {
  if (response.headersSent) {
    response.destroy();
    return undefined;
  }
  const http = errorToAnthropicHttp(error, requestId);
  const limits = error instanceof KeyRateLimitError ? anthropicRateLimitHeaders(error.rateLimit) : {};
  sendJson(response, http.status, http.body, { ...headers, ...http.headers, ...limits, 'request-id': requestId });
  return http.status;
}
