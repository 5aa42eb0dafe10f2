import type { MatchOn } from '../features/extract-routing-text.js';
import type { TrainedRouter } from '../learning/trained-router.js';
import type { SystemPromptMerge } from '../spec/decision.js';
import type { ShadowSpec } from '../spec/shadow-spec.js';
import type { OnBudgetRule } from './on-budget.js';
import type { TargetSpec } from './policies/policy-registry.js';
import type { ConditionInput } from './signals/condition-input.js';
import type { StickySettings } from './policies/sticky/conversation-memory.js';

export type CacheSpec = { size: number; ttlMs: number };

/**
 * A router's classifier. `trained`: a trained router file, loaded and checked at startup. `llm`: a
 * catalog model that names the route.
 */
export type ClassifierSpec =
  | { type: 'trained'; path: string; model: TrainedRouter }
  | { type: 'llm'; model: string; prompt: string | undefined; timeoutMs: number; cache: CacheSpec; maxChars: number };

/**
 * A safety check before routing. `llama_guard`: a chat model in the Llama Guard convention reads the
 * conversation and answers `safe` or `unsafe` with category codes. `moderation`: a moderation
 * endpoint scores the user's turns per category; with `threshold`, a category whose score reaches
 * it counts as flagged, else the endpoint's own flags do. `categories`: those that count as unsafe.
 */
export type GuardSpec = {
  model: string;
  onUnsafe: { type: 'block'; message: string } | { type: 'route'; route: string };
  categories: readonly string[];
  timeoutMs: number;
  fail: 'open' | 'closed';
} & ({ type: 'llama_guard' } | { type: 'moderation'; threshold: number | undefined });

/** What embeds prompts for routes with `examples`. */
export type EncoderSpec = { type: 'local' } | { type: 'model'; model: string; timeoutMs: number; cache: CacheSpec };

export type RouteAction = { type: 'target'; target: TargetSpec } | { type: 'block'; message: string };

export type RouteSpec = {
  name: string;
  description: string | undefined;
  when: ConditionInput | undefined;
  action: RouteAction;
  system: { text: string; merge: SystemPromptMerge } | undefined;
  /** Move on to the next model when one refuses on content policy (off by default: the refusal is the answer). */
  failoverOnContentFilter: boolean;
  /** Decides even for a conversation the router's `sticky` holds on a model. */
  overrideSticky: boolean;
};

/** A router of the config, resolved: what `Routing` compiles at startup. */
export type RouterSpec = {
  name: string;
  description: string | undefined;
  reference: string | undefined;
  matchOn: MatchOn;
  classifier: ClassifierSpec | undefined;
  /** Set when the router checks each request with a safety guard before routing. */
  guard?: GuardSpec | undefined;
  /** What to do as the caller's budget runs low, sorted by `above`. */
  onBudget?: readonly OnBudgetRule[] | undefined;
  /** Set when a sample of the router's requests is shadowed by other models and judged. */
  shadow?: ShadowSpec | undefined;
  /** Set when a route has `examples`. */
  encoder: EncoderSpec | undefined;
  /** In declared order: the first match wins. */
  routes: RouteSpec[];
  defaultTarget: TargetSpec;
  fallbacks: ReadonlyMap<string, readonly string[]>;
  /** Set when the router keeps conversations on the model that served them. */
  sticky: StickySettings | undefined;
};
