import type { TrainedRouter } from '../learning/trained-router.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { SystemPromptMerge } from '../spec/decision.js';
import type { ConditionInput, MockFault, MockRandomFault } from './config-schema.js';
import type { ReliabilityOverrides } from './resolve-reliability.js';

/** Set when a provider cannot be used because variables it references are unset. */
export type ProviderDisabled = { missingEnv: string[] };

type ProviderBase = {
  name: string;
  disabled: ProviderDisabled | undefined;
  /** Settings for every model of this provider, under each model's own. */
  reliability: ReliabilityOverrides;
};

export type OpenAIProviderConfig = ProviderBase & {
  type: 'openai';
  baseUrl: string;
  /** Never logged, traced or returned; see providers/<name>/ for the only places that read it. */
  apiKey: string | undefined;
  headers: Readonly<Record<string, string>>;
  maxConnections: number;
};

/** A rehearsal provider: answers in-process with scripted or seeded-random latency and faults. */
export type MockProviderConfig = ProviderBase & {
  type: 'mock';
  seed: number;
  latencyMs: { min: number; max: number };
  chunkDelayMs: number;
  reply: string | undefined;
  faults: readonly MockRandomFault[];
  script: readonly ('ok' | MockFault)[];
};

export type ProviderConfig = OpenAIProviderConfig | MockProviderConfig;

export type TargetSpec =
  | { policy: 'single'; model: string }
  | { policy: 'fallback'; models: string[] }
  | { policy: 'cheapest_above'; models: string[]; minQuality: number }
  | { policy: 'strong_weak'; strong: string; weak: string; threshold: number };

/** A router's classifier: a trained router file, loaded and checked at startup. */
export type ClassifierSpec = { type: 'trained'; path: string; model: TrainedRouter };

export type RouteAction = { type: 'target'; target: TargetSpec } | { type: 'block'; message: string };

export type RouteSpec = {
  name: string;
  description: string | undefined;
  when: ConditionInput | undefined;
  action: RouteAction;
  system: { text: string; merge: SystemPromptMerge } | undefined;
  /** Move on to the next model when one refuses on content policy (off by default: the refusal is the answer). */
  failoverOnContentFilter: boolean;
};

export type MatchOn = 'last_user' | 'user' | 'all';

export type RouterSpec = {
  name: string;
  description: string | undefined;
  reference: string | undefined;
  matchOn: MatchOn;
  classifier: ClassifierSpec | undefined;
  /** In declared order: the first match wins. */
  routes: RouteSpec[];
  defaultTarget: TargetSpec;
  fallbacks: ReadonlyMap<string, readonly string[]>;
};

export type ServerConfig = {
  host: string;
  port: number;
  apiKeys: readonly string[];
  maxBodyBytes: number;
};

/** A validated config with every reference checked and the built-in catalog merged in. Immutable. */
export type ResolvedConfig = {
  /** The file it came from, or `<quickstart>`. */
  source: string;
  server: ServerConfig;
  storage: { path: string };
  providers: ReadonlyMap<string, ProviderConfig>;
  models: ReadonlyMap<string, ModelSpec>;
  routers: ReadonlyMap<string, RouterSpec>;
  /** Things worth telling the operator that do not stop the gateway (disabled providers, ...). */
  warnings: readonly string[];
};
