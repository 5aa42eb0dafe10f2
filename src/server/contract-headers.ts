import { formatCost } from '../cost/compute-cost.js';
import { answeringAttempts } from '../spec/attempt-rules.js';
import type { Decision } from '../spec/decision.js';
import type { RateLimitSnapshot } from '../spec/rate-limit.js';
import type { Trace } from '../spec/trace.js';
import { rateLimitHeaders } from './rate-limit-headers.js';

/** Header value used when there is no router, route or model (a concrete model was requested, or none served). */
export const NONE = 'none';

/** The `x-switchyard-*` headers of the public contract, on every routed response. */
export function contractHeaders(options: {
  traceId: string;
  decision: Decision;
  model: string | null;
  attempts: number;
  costUsd?: number | undefined;
  usageEstimated?: boolean;
  /** The caller's standing under its key's rate limits: OpenAI's `x-ratelimit-*` headers. */
  rateLimit?: RateLimitSnapshot | undefined;
}): Record<string, string> {
  const headers: Record<string, string> = {
    'x-switchyard-trace-id': options.traceId,
    'x-switchyard-router': options.decision.router ?? NONE,
    'x-switchyard-route': options.decision.route ?? NONE,
    'x-switchyard-model': options.model ?? NONE,
    'x-switchyard-attempts': String(options.attempts),
  };
  if (options.costUsd !== undefined) headers['x-switchyard-cost-usd'] = formatCost(options.costUsd);
  if (options.usageEstimated) headers['x-switchyard-usage-estimated'] = 'true';
  return options.rateLimit === undefined ? headers : Object.assign(headers, rateLimitHeaders(options.rateLimit));
}

/** The contract headers of a failed request (`x-should-retry` is decided with the status, in error-to-http.ts). */
export function failureHeaders(outcome: { traceId: string; decision: Decision; trace: Trace; rateLimit?: RateLimitSnapshot | undefined }): Record<string, string> {
  return contractHeaders({ traceId: outcome.traceId, decision: outcome.decision, model: null, attempts: answeringAttempts(outcome.trace.attempts), rateLimit: outcome.rateLimit });
}

/** The contract headers of an answer in one piece: who served it, after how many attempts, at what cost. */
export function completionHeaders(outcome: { traceId: string; decision: Decision; trace: Trace; model: { name: string }; rateLimit?: RateLimitSnapshot | undefined }): Record<string, string> {
  const { traceId, decision, trace, model, rateLimit } = outcome;
  return contractHeaders({
    traceId,
    decision,
    model: model.name,
    attempts: answeringAttempts(trace.attempts),
    costUsd: trace.costUsd,
    usageEstimated: trace.usage?.estimated === true,
    rateLimit,
  });
}
