import { createTraceId } from '../../gateway/create-trace-id.js';

/**
 * The `request-id` of an answer in Anthropic's dialect (and `request_id` of its error bodies): the
 * trace id, so a client's report finds the trace; a fresh id for a refusal that has no trace.
 */
export function anthropicRequestId(traceId: string = createTraceId()): string {
  return `req_${traceId.replaceAll('-', '')}`;
}
