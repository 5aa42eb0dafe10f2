import type { Admission, KeyGovernor } from '../keys/admission.js';
import type { Routing, RoutingResult } from '../routing/routing.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { Cancellation } from '../util/cancellation.js';
import type { CallContext } from './gateway.js';

/**
 * Admits a request under its caller's allow lists and rate limits (refused: thrown, with nothing
 * routed, counted or traced), then routes it with the caller's budget in the hints (what a router's
 * `on_budget` reads). A routing failure settles the admission before it is rethrown; otherwise the
 * caller settles it when the request's trace is finished.
 */
export async function routeAdmitted(
  governor: KeyGovernor | undefined,
  routing: Routing,
  request: ChatRequest,
  context: CallContext,
  cancellation: Cancellation,
): Promise<{ admission: Admission | undefined; routed: RoutingResult }> {
  // Only a virtual key has limits to admit under: other callers do not wait on the governor's promise.
  const admission = context.caller?.kind === 'key' && governor !== undefined ? await governor.admit(context.caller, request) : undefined;
  try {
    const hints = admission?.budget === undefined ? context.hints : { ...context.hints, budget: admission.budget };
    return { admission, routed: await routing.route(request, hints, cancellation) };
  } catch (error) {
    admission?.settle(undefined);
    throw error;
  }
}
