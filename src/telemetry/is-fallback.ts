import { servedAttempt } from '../spec/attempt-rules.js';
import type { Trace } from '../spec/trace.js';

/**
 * A failover: a model served, and it is not the first candidate of the plan. For cascade and
 * parallel policies the plan has one candidate list per step (candidates and attempts carry the
 * same `step`), and the served answer is compared with the first candidate of its own step, so an
 * escalation to a later step or the pick of another branch, which are the policy working, do not
 * count; the router's fallbacks taking over inside a step do. Shared by the store, `stats` and
 * the metrics, so that they agree.
 */
export function isFallback(trace: Trace): boolean {
  if (trace.model === null) return false;
  const step = servedAttempt(trace.attempts, trace.model)?.step;
  const first = trace.decision.candidates.find((candidate) => candidate.step === step);
  return first !== undefined && first.model !== trace.model;
}
