import { asKnownError } from '../errors/any-switchyard-error.js';
import type { SwitchyardError } from '../errors/switchyard-error.js';

/**
 * Whether the next model of the plan may succeed where this one failed: transient failures, and
 * failures of this deployment (its key rejected, the model unknown there). Not a request the
 * upstream judged invalid, and never a client abort.
 */
export function shouldFailOver(thrown: SwitchyardError): boolean {
  const error = asKnownError(thrown);
  if (error.kind === 'aborted' || error.kind === 'invalid_request') return false;
  if (error.retryable) return true;
  return error.kind === 'upstream_http' && (error.status === 401 || error.status === 403 || error.status === 404);
}
