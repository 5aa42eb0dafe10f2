import type { Admission, KeyGovernor } from '../keys/admission.js';
import { budgetDecision } from '../routing/on-budget.js';
import type { Routing, RoutingResult } from '../routing/routing.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { Cancellation } from '../util/cancellation.js';
import type { CallContext } from './gateway.js';
import { merged } from '../util/merged.js';

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
  /** The plan's steps are what the request's budget hold is for (not so for embeddings: they hold their own). */
  holdForPlan = true,
): Promise<{ admission: Admission | undefined; routed: RoutingResult }> {
  // Only a virtual key has limits to admit under: other callers do not wait on the governor's promise.
  const caller = context.caller?.kind === 'key' && governor !== undefined ? context.caller : undefined;
  // Admission waits on Redis and routing makes no call: routed first, the budget hold goes with the
  // rate check, one round trip instead of two. The Decision shows the budget as the hold found it.
  if (caller !== undefined && holdForPlan && governor?.shared === true && routing.routesLocally(request.model)) {
    const routed = await routing.route(request, context.hints, cancellation);
    const plan = routed.steps.length > 0 && !routed.decision.block ? { steps: routed.steps, request: routed.request } : undefined;
    const admission = await governor.admit(caller, request, plan);
    const budget = admission?.budget;
    return { admission, routed: budget === undefined ? routed : merged(routed, { decision: merged(routed.decision, { budget: budgetDecision(budget, undefined) }) }) };
  }
  const admission = caller !== undefined ? await governor?.admit(caller, request) : undefined;
  try {
    const hints = admission?.budget === undefined ? context.hints : merged(context.hints ?? {}, { budget: admission.budget });
    return { admission, routed: await routing.route(request, hints, cancellation) };
  } catch (error) {
    admission?.settle(undefined);
    throw error;
  }
}
