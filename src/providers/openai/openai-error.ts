import { ProviderHttpError, type ProviderErrorSource } from '../../errors/provider-errors.js';
import { parseRetryAfter } from '../shared/parse-retry-after.js';
import { readOpenAIError } from './openai-api.js';

/** Builds the typed error for a non-2xx upstream answer. The key is redacted from anything echoed back. */
export function createOpenAIHttpError(options: {
  source: ProviderErrorSource;
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  bodyText: string;
  redact: (text: string) => string;
}): ProviderHttpError {
  let json: unknown;
  try {
    json = JSON.parse(options.bodyText);
  } catch {
    json = undefined;
  }
  const parsed = readOpenAIError(json, options.status);
  const snippet = options.bodyText.trim().slice(0, 300);
  const message = parsed?.message ?? (snippet === '' ? `HTTP ${options.status} with an empty body` : snippet);
  return new ProviderHttpError({
    source: options.source,
    status: options.status,
    message: options.redact(message),
    type: parsed?.type,
    code: parsed?.code,
    param: parsed?.param,
    retryAfterMs: parseRetryAfter(options.headers),
  });
}
