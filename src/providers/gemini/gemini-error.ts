import { ProviderHttpError, type ProviderErrorCategory, type ProviderErrorSource } from '../../errors/provider-errors.js';
import { isRecord, readNumber, readString } from '../../util/json-guards.js';
import { errorJson, UPSTREAM_SNIPPET_CHARS, type HttpFailure } from '../shared/json-transport.js';
import { parseRetryAfter } from '../shared/parse-retry-after.js';
import type { Redact } from '../shared/secret-redactor.js';

const UPSTREAM_MESSAGE_CHARS = 2_000;
const UPSTREAM_FIELD_CHARS = 200;

/** Google's canonical statuses and the HTTP status each is sent with, for an error chunk inside a 200 stream. */
const STATUS_BY_CODE = new Map<string, number>([
  ['INVALID_ARGUMENT', 400],
  ['FAILED_PRECONDITION', 400],
  ['OUT_OF_RANGE', 400],
  ['UNAUTHENTICATED', 401],
  ['PERMISSION_DENIED', 403],
  ['NOT_FOUND', 404],
  ['ABORTED', 409],
  ['ALREADY_EXISTS', 409],
  ['RESOURCE_EXHAUSTED', 429],
  ['CANCELLED', 499],
  ['UNKNOWN', 500],
  ['INTERNAL', 500],
  ['DATA_LOSS', 500],
  ['UNIMPLEMENTED', 501],
  ['UNAVAILABLE', 503],
  ['DEADLINE_EXCEEDED', 504],
]);

export type GeminiErrorFields = {
  /** `error.code`: the HTTP status Google meant. */
  code: number | undefined;
  /** `error.status`: INVALID_ARGUMENT, RESOURCE_EXHAUSTED, ... */
  status: string | undefined;
  message: string;
  /** `RetryInfo.retryDelay` ("30s", "1.5s"), in milliseconds. */
  retryDelayMs: number | undefined;
};

/** `{"error":{"code","message","status","details"}}`, unredacted; undefined when the JSON is not one. */
export function readGeminiError(json: unknown): GeminiErrorFields | undefined {
  if (!isRecord(json) || !isRecord(json['error'])) return undefined;
  const error = json['error'];
  const status = readString(error['status']);
  const message = readString(error['message']);
  const code = readNumber(error['code']);
  if (status === undefined && message === undefined && code === undefined) return undefined;
  return { code, status, message: message ?? status ?? 'error', retryDelayMs: retryDelayOf(error['details']) };
}

/** The `RetryInfo` detail's delay, a protobuf Duration such as "30s". */
function retryDelayOf(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    if (!isRecord(detail) || !String(detail['@type'] ?? '').endsWith('google.rpc.RetryInfo')) continue;
    const delay = /^(\d+(?:\.\d+)?)s$/.exec(readString(detail['retryDelay']) ?? '');
    if (delay) return Number.parseFloat(delay[1] ?? '0') * 1000;
  }
  return undefined;
}

/** The HTTP status an error stands for: its code, else its canonical status's, else `fallback`. */
export function statusOfGeminiError(fields: GeminiErrorFields, fallback: number): number {
  if (fields.code !== undefined && fields.code >= 400 && fields.code <= 599) return fields.code;
  return (fields.status === undefined ? undefined : STATUS_BY_CODE.get(fields.status)) ?? fallback;
}

// "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."
const CONTEXT_LENGTH_MESSAGE = /exceeds the maximum number of tokens|input token count.*exceeds|context (window|length)/i;

/** The typed error for a Gemini error object, from an error status or an error chunk of a stream; every quoted field redacted. */
export function geminiHttpError(options: { source: ProviderErrorSource; status: number; fields: GeminiErrorFields; redact: Redact; retryAfterMs?: number | undefined }): ProviderHttpError {
  const { fields, redact, status } = options;
  const category: ProviderErrorCategory | undefined = status === 400 && CONTEXT_LENGTH_MESSAGE.test(fields.message) ? 'context_length' : undefined;
  return new ProviderHttpError({
    source: options.source,
    status,
    message: redact(fields.message, UPSTREAM_MESSAGE_CHARS),
    type: fields.status === undefined ? undefined : redact(fields.status, UPSTREAM_FIELD_CHARS),
    // OpenAI's code for it, which OpenAI clients act on (trim the prompt).
    code: category === 'context_length' ? 'context_length_exceeded' : undefined,
    retryAfterMs: options.retryAfterMs ?? fields.retryDelayMs,
    category,
  });
}

/** Builds the typed error for a non-2xx answer: `retry-after` first, else the body's RetryInfo. The key is redacted from anything echoed back. */
export function createGeminiHttpError(options: HttpFailure & { now?: number }): ProviderHttpError {
  const body = options.bodyText.trim();
  const fields = readGeminiError(errorJson(options)) ?? {
    code: undefined,
    status: undefined,
    message: body === '' ? `HTTP ${options.status} with an empty body` : options.redact(body, UPSTREAM_SNIPPET_CHARS),
    retryDelayMs: undefined,
  };
  const retryAfterMs = parseRetryAfter(options.headers, options.now ?? Date.now());
  return geminiHttpError({ source: options.source, status: options.status, fields, redact: options.redact, retryAfterMs });
}
