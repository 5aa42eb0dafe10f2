import type { Attempt, Trace } from './api-types.js';

/** The same rule as the gateway's is-fallback.ts: served by another model than its step's first candidate. */
export function isFallback(trace: Trace): boolean {
  if (!trace.model || !trace.decision) return false;
  let served: Attempt | null = null;
  for (const attempt of trace.attempts || []) {
    if (attempt.role === 'answer' && attempt.model === trace.model && (attempt.outcome === 'ok' || attempt.outcome === 'refused')) served = attempt;
  }
  const step = served ? served.step : undefined;
  const first = (trace.decision.candidates || []).filter((candidate) => candidate.step === step)[0];
  return Boolean(first) && first?.model !== trace.model;
}
