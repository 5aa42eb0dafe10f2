import type { CallContext } from '../../gateway/gateway.js';
import { clientCancellation } from '../http-io.js';
import { headerValue, type HandlerContext } from './handler-context.js';

/** W3C Trace Context `traceparent`: version, trace id, parent id, flags. */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** What a chat request of any dialect hands the gateway besides the request: its cancellation, routing hints and trace context. */
export function callContextOf({ request, response, stopping, caller }: HandlerContext): CallContext {
  const traceparent = headerValue(request.headers['traceparent']);
  const tracestate = headerValue(request.headers['tracestate']);
  return {
    signal: clientCancellation(response, stopping),
    caller,
    hints: { route: headerValue(request.headers['x-switchyard-route']) },
    // Only a well-formed traceparent is kept: it ends up in the trace, so nothing else of the client's rides along.
    traceContext: traceparent !== undefined && TRACEPARENT.test(traceparent) ? { traceparent, ...(tracestate !== undefined && tracestate.length <= 512 ? { tracestate } : {}) } : undefined,
  };
}
