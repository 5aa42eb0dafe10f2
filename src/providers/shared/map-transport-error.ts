import { AbortedError } from '../../errors/request-errors.js';
import {
  ProviderConnectionError,
  ProviderProtocolError,
  ProviderTimeoutError,
  type ProviderErrorSource,
} from '../../errors/provider-errors.js';
import { SwitchyardError } from '../../errors/switchyard-error.js';

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** Maps what undici throws (connect, socket, timeout, abort) to the error hierarchy; `call` is the call's AbortSignal or Cancellation. */
export function mapTransportError(error: unknown, source: ProviderErrorSource, call: { readonly aborted: boolean }): SwitchyardError {
  if (SwitchyardError.isInstance(error)) return error;
  if (call.aborted) return new AbortedError();
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new ProviderTimeoutError(source, `${source.provider} timed out (${code}): ${detail}`, error);
  }
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return new ProviderProtocolError(source, `${source.provider} sent a response larger than its max_response_size; the rest was not read`, error);
  }
  return new ProviderConnectionError(source, `cannot reach ${source.provider}${code ? ` (${code})` : ''}: ${detail}`, error);
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  // undici wraps socket errors; the useful code can sit on the cause.
  for (let depth = 0; depth < 3 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
