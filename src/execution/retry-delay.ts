import { asKnownError } from '../errors/any-switchyard-error.js';
import type { SwitchyardError } from '../errors/switchyard-error.js';
import type { RetrySettings } from '../spec/reliability.js';

/**
 * How long to wait before calling the same model again after failed attempt number `attempt`
 * (1-based), or undefined when not to wait for it at all. An upstream `retry-after` is honoured up
 * to `maxRetryAfterMs`; a longer one means "go elsewhere". Otherwise exponential backoff with up
 * to 25% jitter, so a crowd of retries does not arrive in step.
 */
export function retryDelay(attempt: number, thrown: SwitchyardError, settings: RetrySettings, random: () => number): number | undefined {
  const error = asKnownError(thrown);
  const retryAfter = error.kind === 'upstream_http' ? error.retryAfterMs : undefined;
  if (retryAfter !== undefined) return retryAfter <= settings.maxRetryAfterMs ? retryAfter : undefined;
  const backoff = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(backoff * (1 - 0.25 * random()));
}
