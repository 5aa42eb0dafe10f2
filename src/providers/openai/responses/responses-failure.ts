import { ProviderHttpError, type ProviderErrorSource } from '../../../errors/provider-errors.js';
import { isRecord, readString } from '../../../util/json-guards.js';
import type { Redact } from '../../shared/secret-redactor.js';
import { quoteOpenAIError } from '../openai-api.js';
import { classifyOpenAIError } from '../openai-error.js';

/**
 * The status a failure the Responses API reports inside a 200 (`response.failed`, an `error`
 * event, a failed Response) stands for, by its code: a rate limit or a server error is worth
 * another try, a bad prompt or image is not. An unknown code counts as the server's fault.
 */
function statusOfCode(code: string | undefined): number {
  if (code === undefined) return 500;
  if (code === 'rate_limit_exceeded') return 429;
  if (code === 'server_error') return 500;
  if (code === 'vector_store_timeout') return 504;
  // invalid_prompt, invalid_image*, image_too_large, empty_image_file, ...: the request's own fault.
  if (code.startsWith('invalid_') || code.includes('image') || code === 'context_length_exceeded') return 400;
  return 500;
}

/** `{ code, message, param }` (a Response's `error`, an `error` event, or either nested under `error`) → the typed error. */
export function responsesFailure(raw: unknown, source: ProviderErrorSource, redact: Redact): ProviderHttpError {
  const fields = isRecord(raw) && isRecord(raw['error']) ? raw['error'] : isRecord(raw) ? raw : {};
  const code = readString(fields['code']);
  const status = statusOfCode(code);
  const message = readString(fields['message']) ?? `the upstream failed${code === undefined ? '' : ` (${code})`} without a message`;
  const param = readString(fields['param']);
  const quoted = quoteOpenAIError({ status, message, ...(code === undefined ? {} : { code }), ...(param === undefined ? {} : { param }) }, redact);
  return new ProviderHttpError({ source, ...quoted, category: classifyOpenAIError(status, code, undefined, quoted.message) });
}
