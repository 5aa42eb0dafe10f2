import { asKnownError } from '../errors/any-switchyard-error.js';
import type { SwitchyardError } from '../errors/switchyard-error.js';

/**
 * What one failed call means for the rest of the request. The single place that decides it, so
 * retry, failover and the circuit breaker never disagree:
 * - `retry`: try the same model again (408/409/429/5xx, connection, timeout, garbage), after a delay;
 * - `fail_over`: this deployment cannot serve (its key or model id rejected: 401/403/404; out of
 *   credit: 402, or a 429 that says `insufficient_quota`), try the next;
 * - `larger_context`: the prompt is too long for this model, only a larger one can help;
 * - `content_filter`: the model refused on content policy: the answer, unless the route opts in to failover;
 * - `final`: the request itself is wrong (or the client left): no other model will do better.
 */
export type FailureAction = 'retry' | 'fail_over' | 'larger_context' | 'content_filter' | 'final';

export function failureAction(thrown: SwitchyardError): FailureAction {
  const error = asKnownError(thrown);
  if (error.kind === 'upstream_http') {
    if (error.category === 'context_length') return 'larger_context';
    if (error.category === 'content_filter') return 'content_filter';
    // Waiting does not refill an account: this provider is done for now, another may serve.
    if (error.status === 402 || error.upstreamCode === 'insufficient_quota') return 'fail_over';
    if (error.retryable) return 'retry';
    if (error.status === 401 || error.status === 403 || error.status === 404) return 'fail_over';
    return 'final';
  }
  return error.retryable ? 'retry' : 'final';
}

/** Whether a failure says the deployment is unhealthy (counts against its circuit breaker). */
export function isDeploymentFailure(action: FailureAction): boolean {
  return action === 'retry' || action === 'fail_over';
}
