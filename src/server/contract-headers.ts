import { formatCost } from '../cost/compute-cost.js';
import type { Decision } from '../spec/decision.js';

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
  return headers;
}
