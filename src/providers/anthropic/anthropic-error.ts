import { errorJson, UPSTREAM_SNIPPET_CHARS, type HttpFailure } from '../shared/json-transport.js';
import { ProviderHttpError, type ProviderErrorCategory, type ProviderErrorSource } from '../../errors/provider-errors.js';
import { isRecord, readString } from '../../util/json-guards.js';
import { parseRetryAfter } from '../shared/parse-retry-after.js';
import type { Redact } from '../shared/secret-redactor.js';

const UPSTREAM_MESSAGE_CHARS = 2_000;
const UPSTREAM_FIELD_CHARS = 200;

/** The status of each error type, for an `error` event inside a 200 stream (which carries none). */
const STATUS_BY_TYPE = new Map<string, number>([
  ['invalid_request_error', 400],
  ['authentication_error', 401],
  ['billing_error', 402],
  ['permission_error', 403],
  ['not_found_error', 404],
  ['conflict_error', 409],
  ['request_too_large', 413],
  ['rate_limit_error', 429],
  ['api_error', 500],
  ['timeout_error', 504],
  ['overloaded_error', 529],
]);

export type AnthropicErrorFields = { type: string | undefined; message: string; requestId: string | undefined };

/** `{"type":"error","error":{"type","message"},"request_id"}`, unredacted; undefined when the JSON is not one. */
export function readAnthropicError(json: unknown): AnthropicErrorFields | undefined {
  if (!isRecord(json) || !isRecord(json['error'])) return undefined;
  const error = json['error'];
  const type = readString(error['type']);
  const message = readString(error['message']);
  if (type === undefined && message === undefined) return undefined;
  return { type, message: message ?? type ?? 'error', requestId: readString(json['request_id']) };
}

/** The status an in-stream error event stands for: its type's, else 500. */
export function statusOfErrorType(type: string | undefined): number {
  return (type === undefined ? undefined : STATUS_BY_TYPE.get(type)) ?? 500;
}

/** The typed error for an Anthropic error object, from an error status or an in-stream `error` event; every quoted field redacted. */
export function anthropicHttpError(options: {
  source: ProviderErrorSource;
  status: number;
  fields: AnthropicErrorFields;
  redact: Redact;
  retryAfterMs?: number | undefined;
}): ProviderHttpError {
  const { fields, redact } = options;
  const requestId = fields.requestId === undefined ? '' : ` (request_id ${redact(fields.requestId, UPSTREAM_FIELD_CHARS)})`;
  const message = `${redact(fields.message, UPSTREAM_MESSAGE_CHARS)}${requestId}`;
  const category = classifyAnthropicError(options.status, fields.message);
  return new ProviderHttpError({
    source: options.source,
    status: options.status,
    message,
    type: fields.type === undefined ? undefined : redact(fields.type, UPSTREAM_FIELD_CHARS),
    // OpenAI's code for it, which OpenAI clients act on (trim the prompt); Anthropic sends only the message.
    code: category === 'context_length' ? 'context_length_exceeded' : undefined,
    retryAfterMs: options.retryAfterMs,
    category,
  });
}

/** Builds the typed error for a non-2xx answer. The key is redacted from anything echoed back. */
export function createAnthropicHttpError(options: HttpFailure & { now?: number }): ProviderHttpError {
  const json = errorJson(options);
  const body = options.bodyText.trim();
  const fields = readAnthropicError(json) ?? {
    type: undefined,
    message: body === '' ? `HTTP ${options.status} with an empty body` : options.redact(body, UPSTREAM_SNIPPET_CHARS),
    requestId: undefined,
  };
  const now = options.now ?? Date.now();
  const retryAfterMs = parseRetryAfter(options.headers, now) ?? (options.status === 429 ? rateLimitResetMs(options.headers, now) : undefined);
  return anthropicHttpError({ source: options.source, status: options.status, fields, redact: options.redact, retryAfterMs });
}

const LIMITS = ['requests', 'tokens', 'input-tokens', 'output-tokens'];

/**
 * Without `retry-after`, a 429's wait from `anthropic-ratelimit-<limit>-reset` (RFC 3339): the
 * latest reset among the limits whose `-remaining` is 0, the ones that refused the request.
 */
export function rateLimitResetMs(headers: Readonly<Record<string, string | string[] | undefined>>, now: number): number | undefined {
  let latest: number | undefined;
  for (const limit of LIMITS) {
    if (first(headers[`anthropic-ratelimit-${limit}-remaining`])?.trim() !== '0') continue;
    const reset = Date.parse(first(headers[`anthropic-ratelimit-${limit}-reset`]) ?? '');
    if (!Number.isNaN(reset)) latest = Math.max(latest ?? 0, reset - now);
  }
  return latest === undefined ? undefined : Math.max(0, latest);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

// "prompt is too long: 215000 tokens > 200000 maximum"; "input length and `max_tokens` exceed context limit: ...".
const CONTEXT_LENGTH_MESSAGE = /prompt is too long|exceed(s)? (the )?context (limit|window)|context window|too many tokens/i;

/** A prompt too long for the model is worth a larger one; Anthropic says so only in the message. */
export function classifyAnthropicError(status: number, message: string): ProviderErrorCategory | undefined {
  if (status !== 400 && status !== 413) return undefined;
  return CONTEXT_LENGTH_MESSAGE.test(message) ? 'context_length' : undefined;
}
