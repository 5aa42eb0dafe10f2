import { errorJson, UPSTREAM_SNIPPET_CHARS, type HttpFailure } from '../shared/json-transport.js';
import { ProviderHttpError, type ProviderErrorCategory } from '../../errors/provider-errors.js';
import { parseRetryAfter } from '../shared/parse-retry-after.js';
import { quoteOpenAIError, readOpenAIError } from './openai-api.js';


/** Builds the typed error for a non-2xx upstream answer. The key is redacted from anything echoed back. */
export function createOpenAIHttpError(options: HttpFailure): ProviderHttpError {
  const json = errorJson(options);
  const raw = readOpenAIError(json, options.status);
  const parsed = raw === undefined ? undefined : quoteOpenAIError(raw, options.redact);
  const body = options.bodyText.trim();
  const message = parsed?.message ?? (body === '' ? `HTTP ${options.status} with an empty body` : options.redact(body, UPSTREAM_SNIPPET_CHARS));
  return new ProviderHttpError({
    source: options.source,
    status: options.status,
    message,
    type: parsed?.type,
    code: parsed?.code,
    param: parsed?.param,
    retryAfterMs: parseRetryAfter(options.headers),
    category: classifyOpenAIError(options.status, parsed?.code, parsed?.type, message),
  });
}

// Phrases, not bare words: "Unrecognized request argument supplied: context_length" is not one.
const CONTEXT_LENGTH_MESSAGE =
  /maximum context length|context length (is |was |has been )?exceeded|exceeds? (the |its )?(model's )?context (window|length)|context window|too many tokens|prompt is too long|reduce the length of the (messages|prompt)/i;
const CONTENT_FILTER_MESSAGE = /content[ _](management )?polic|content[ _]filter|safety system|flagged as (potentially )?(unsafe|harmful)/i;

/**
 * OpenAI says `context_length_exceeded` and `content_policy_violation` (Azure: `content_filter`);
 * compatible servers often only say it in the message, so that is read too.
 */
export function classifyOpenAIError(status: number, code: string | undefined, type: string | undefined, message: string): ProviderErrorCategory | undefined {
  if (status !== 400 && status !== 413 && status !== 422) return undefined;
  if (code === 'context_length_exceeded' || type === 'context_length_exceeded' || CONTEXT_LENGTH_MESSAGE.test(message)) return 'context_length';
  if (code === 'content_policy_violation' || code === 'content_filter' || type === 'content_filter' || CONTENT_FILTER_MESSAGE.test(message)) {
    return 'content_filter';
  }
  return undefined;
}
