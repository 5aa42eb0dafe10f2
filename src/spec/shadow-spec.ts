/**
 * A router's `shadow:` resolved: a sampled share of its successful requests is answered again in
 * the background by each alternative model, and a judge scores both answers (`gateway/shadow/`).
 */
export type ShadowSpec = {
  /** The share of the router's successful requests shadowed, in (0, 1]. */
  sample: number;
  /** Configured chat models; the one that served a request is left out of its job. */
  models: readonly string[];
  judge: { model: string; rubric: string };
  /** The shadow's own spend cap per UTC day, held at each job's worst case and settled at its cost. */
  budgetUsdPerDay: number;
  /** Jobs run at once; a few more wait, and the rest are dropped (counted). */
  maxConcurrent: number;
};
