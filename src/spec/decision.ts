/**
 * A routing decision: plain data, the same whether it came from `POST /v1/route`, `switchyard
 * route` or a real request. Deterministic for the same config and request: no ids, no clocks.
 */

/** What fired: a rule test of a route, or the client's route header. */
export type Signal =
  | { signal: 'keywords' | 'regex'; route: string; match: string }
  | { signal: 'metadata'; route: string; key: string; value: string }
  | { signal: 'complexity'; route: string; score: number }
  | { signal: 'header'; route: string };

export type PolicyKind = 'direct' | 'single' | 'fallback' | 'block' | 'cheapest_above' | 'strong_weak';

/**
 * What a policy that reads the router's classifier predicted and chose. `predicted`: each model's
 * predicted score (0..1), rounded to 4 decimals.
 */
export type Prediction =
  | {
      policy: 'cheapest_above';
      predicted: Record<string, number>;
      minQuality: number;
      chosen: string;
      /** False when no model cleared `minQuality` and the best predicted one was chosen. */
      cleared: boolean;
    }
  | {
      policy: 'strong_weak';
      predicted: Record<string, number>;
      threshold: number;
      /** Predicted score of the strong model minus the weak one's: what is compared to `threshold`. */
      gain: number;
      chosen: string;
    };

export type Candidate = {
  model: string;
  provider: string;
  /** `target`: named by the route's target; `fallback`: added from the router's `fallbacks`. */
  source: 'target' | 'fallback';
  /** Why a candidate that would normally be skipped is tried anyway. */
  note?: string;
};

/**
 * Why a candidate is not tried: its provider has no credentials; the request needs a capability it
 * lacks; the prompt does not fit its context window; its circuit breaker is open.
 */
export type FilterReason = 'provider_disabled' | 'capability' | 'context_window' | 'circuit_open';

export type FilteredCandidate = { model: string; reason: FilterReason; detail: string };

export type SystemPromptMerge = 'prepend' | 'append' | 'replace';

export type Decision = {
  /** The `model` field the client sent. */
  requested: string;
  /** Null when the client named a concrete model. */
  router: string | null;
  /** The route taken; `default` when no rule matched; null for a concrete model. */
  route: string | null;
  signals: Signal[];
  policy: PolicyKind;
  /** Set when the policy used the router's trained classifier. */
  prediction: Prediction | null;
  /** The plan: models to try, in order. Empty for a block, or when every candidate was filtered out. */
  candidates: Candidate[];
  filtered: FilteredCandidate[];
  block: { message: string } | null;
  /** Set when the route adds its system prompt to the request. */
  system: { merge: SystemPromptMerge } | null;
  /** The router's reference model: what "no routing" would have used, the baseline for savings. */
  reference: string | null;
};
