import type { Attempt } from './trace.js';

/**
 * Rules over a request's attempts that the headers, the trace, the store, the metrics and the log
 * line must apply alike, so that they agree.
 */

/** Attempts made to answer (not to classify, embed or judge): what `x-switchyard-attempts` counts. */
export function answeringAttempts(attempts: readonly Attempt[]): number {
  let count = 0;
  for (const attempt of attempts) if (attempt.role === 'answer') count++;
  return count;
}

/** The attempt whose answer the client got from `model` (a refusal is an answer when nothing better came). */
export function servedAttempt(attempts: readonly Attempt[], model: string | null | undefined): Attempt | undefined {
  if (model === null || model === undefined) return undefined;
  return attempts.findLast((attempt) => attempt.role === 'answer' && attempt.model === model && (attempt.outcome === 'ok' || attempt.outcome === 'refused'));
}
