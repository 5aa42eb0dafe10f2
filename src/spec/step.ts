import type { ModelSpec } from './model-spec.js';

/**
 * The models of one step of a plan, in the order they are tried (each with its fallbacks), after
 * this request's filters. A one-step policy has one; a cascade has one per escalation, a parallel
 * policy one per branch.
 */
export type Step = { specs: readonly ModelSpec[] };
