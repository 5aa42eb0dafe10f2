/**
 * A routing decision: plain data, the same whether it came from `POST /v1/route`, `switchyard
 * route` or a real request. No ids, no clocks: the same config, request and live state (open
 * circuits, load, the classifier's cache, the seed of weighted draws) give the same Decision.
 */

/**
 * What fired: a rule test of a route, the client's route header, the router's LLM classifier
 * (`llm`: the label it answered), or the route's example prompts (`examples`: the most similar one).
 */
export type Signal =
  | { signal: 'keywords' | 'regex'; route: string; match: string }
  | { signal: 'metadata'; route: string; key: string; value: string }
  | { signal: 'complexity'; route: string; score: number }
  | { signal: 'header'; route: string }
  | { signal: 'llm'; route: string; label: string }
  | { signal: 'examples'; route: string; similarity: number; example: string }
  | { signal: 'requested_model'; route: string; glob: string }
  | { signal: 'has_tools' | 'has_images' | 'thinking'; route: string; value: boolean }
  /** `tokens`: the prompt's count (`exact` when counted; else a bound that decided every threshold of the router alike). */
  | { signal: 'tokens'; route: string; tokens: number; exact: boolean };

/**
 * What stickiness did (a `sticky` policy, or a router's `sticky`): kept the conversation (a hash of
 * its opening or of its session metadata) on the model that served its last turn, let routing
 * choose (`new`: no model holds it), let a route marked `override_sticky` choose (`overridden`),
 * or `moved` it because the route's policy compared costs and the holder lost. `prices`: what the
 * policy compared, USD per 1M tokens (3 input : 1 output), the holder's input at its cache-read
 * price for the share of the prompt it holds.
 */
export type Stickiness = { conversation: string; outcome: 'kept' | 'new' | 'overridden' | 'moved'; model?: string; prices?: Record<string, number> };

/**
 * What the router's LLM classifier did. `ok`: the model named a label; `cached`: the same text was
 * classified recently; `timeout`, `error`, `unknown_label`: routing fell back to the rules and the
 * default, and `detail` says why.
 */
export type Classification = {
  model: string;
  outcome: 'ok' | 'cached' | 'timeout' | 'error' | 'unknown_label';
  /** The route it named (`default` for none of them); null when it named none. */
  label: string | null;
  detail?: string;
};

/**
 * How similar the request was to each route's example prompts (the best example per route, 4
 * decimals). `timeout`/`error`: the request could not be embedded, example routes did not match.
 */
export type Similarity = {
  encoder: string;
  outcome: 'ok' | 'cached' | 'timeout' | 'error';
  scores: Record<string, number>;
  detail?: string;
};

/** Which deployment a `loadbalance` policy put first, and what it saw. */
export type Balance = {
  strategy: 'weighted' | 'least_latency' | 'least_busy';
  chosen: string;
  /** least_latency: smoothed milliseconds to first token per model (absent: not measured yet). least_busy: calls in flight. */
  observed?: Record<string, number>;
};

/**
 * What a policy that reads the router's classifier predicted and chose. `predicted`: each model's
 * predicted score (0..1), rounded to 4 decimals. `classifierVersion`: which trained router file
 * decided (the first 12 hex digits of its bytes' sha256), so a reloaded or retrained file shows in
 * the traces; absent for a router built in memory.
 */
export type Prediction = { classifierVersion?: string | undefined } & (
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
    }
  | {
      policy: 'utility';
      predicted: Record<string, number>;
      costWeight: number;
      /** Each model's blended price as a share of the priciest one's (0..1, 4 decimals): `chosen` maximises predicted − costWeight × price. */
      prices: Record<string, number>;
      chosen: string;
    }
);

export type Candidate = {
  model: string;
  provider: string;
  /** `target`: named by the route's target; `fallback`: added from the router's `fallbacks`. */
  source: 'target' | 'fallback';
  /** Why a candidate that would normally be skipped is tried anyway. */
  note?: string;
  /** `cascade`: the step it belongs to (0 = cheapest); `parallel`: the branch. */
  step?: number;
};

/**
 * Why a candidate is not tried: its provider has no credentials; the request needs a capability it
 * lacks; the prompt does not fit its context window; its circuit breaker is open; its `limits`
 * (requests or tokens per minute at its provider) are used up for now; the request had spent its
 * time budget (`timeout.request_ms`) before this model's turn came.
 */
export type FilterReason = 'provider_disabled' | 'capability' | 'context_window' | 'circuit_open' | 'rate_limited' | 'deadline';

export type FilteredCandidate = { model: string; reason: FilterReason; detail: string };

/**
 * The prompt's size as the context-window check measured it, when its bytes alone did not clear
 * every window: `counted` by the tokenizer (exact for o200k models); `at_least`: a bound from its
 * bytes was already over the windows, nothing was counted; `estimated`: counting ran out of its
 * time budget or failed, and `detail` says how the number was made.
 */
export type PromptTokens = { tokens: number; method: 'counted' | 'at_least' | 'estimated'; detail?: string };

export type SystemPromptMerge = 'prepend' | 'append' | 'replace';

/**
 * What the router's safety guard said before routing. `safe`/`unsafe`: its verdict (`categories`:
 * the codes (Llama Guard) or category names (a moderation endpoint) it flagged that the config counts; `ignored`: codes it named that the config does not
 * count, so the request passed). `timeout`/`error`: it gave no usable verdict, and the request
 * followed `fail` (`passed` says which way); `detail` says why. `latencyMs`: the guard's wall time.
 */
export type GuardVerdict = {
  model: string;
  outcome: 'safe' | 'unsafe' | 'timeout' | 'error';
  categories: string[];
  ignored?: string[];
  /** A moderation guard (`type: moderation`): the score (0..1) the endpoint gave each category the config counts, to tune `threshold` by. */
  scores?: Record<string, number>;
  /** Whether routing went on: false when the request was blocked or forced to the guard's `on_unsafe` route. */
  passed: boolean;
  latencyMs: number;
  detail?: string;
};

/**
 * A budget as it stood when the request arrived: the tightest of its key's and its team's (the
 * highest `fraction`). `spentUsd`: settled cost this period; `reservedUsd`: the worst case of the
 * requests in flight; `fraction`: (spent + reserved) / limit; `periodEnd`: epoch ms when it starts
 * again (for a rolling budget, when enough of the spend leaves the window to make room).
 */
export type BudgetState = {
  scope: 'key' | 'team';
  /** The key's id (`key_…`) or the team's name. */
  id: string;
  limitUsd: number;
  spentUsd: number;
  reservedUsd: number;
  fraction: number;
  period: 'day' | 'week' | 'month';
  periodEnd: number;
};

/** What a router's `on_budget` did with the budget state: `above` is the rule that held; `use` the router it switched to, or `block`. */
export type BudgetDecision = BudgetState & { rule?: { above: number; use?: string; block?: string } };

/** `Decision.route` when no rule matched (the router's `default`); no route of a config may take the name. */
export const DEFAULT_ROUTE = 'default';

export type Decision = {
  /** The `model` field the client sent. */
  requested: string;
  /** Null when the client named a concrete model. */
  router: string | null;
  /** The route taken; `default` when no rule matched; null for a concrete model. */
  route: string | null;
  signals: Signal[];
  /** The policy that chose the plan: a routing policy's name, `direct` for a model named by the client, `block` for a blocking route. */
  policy: string;
  /** Set when the policy used the router's trained classifier. */
  prediction: Prediction | null;
  /** Set when the router has an LLM classifier and it was asked. */
  classification: Classification | null;
  /** Set when the router has routes with example prompts and the request was compared to them. */
  similarity: Similarity | null;
  /** Set for a `loadbalance` policy. */
  balance: Balance | null;
  /** Set for a `sticky` policy. */
  sticky?: Stickiness;
  /** The plan: models to try, in order. Empty for a block, or when every candidate was filtered out. */
  candidates: Candidate[];
  filtered: FilteredCandidate[];
  block: { message: string } | null;
  /** Set when the route adds its system prompt to the request. */
  system: { merge: SystemPromptMerge } | null;
  /** The router's reference model: what "no routing" would have used, the baseline for savings. */
  reference: string | null;
  /** Set when the router has a safety `guard`: it runs before any route is chosen. */
  guard?: GuardVerdict;
  /** Set when the request's key (or its team) has a budget: the state that `on_budget` read, and the rule it applied. */
  budget?: BudgetDecision;
  /** Set when a model's context window was checked against more than the prompt's byte count. */
  promptTokens?: PromptTokens;
};

/** The fields of a Decision that a policy fills in with what it saw (a policy that shows something new adds its field here). */
export type DecisionPolicyFields = Partial<Pick<Decision, 'prediction' | 'balance' | 'sticky'>>;
