import type { TrainedRouter } from '../learning/trained-router.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { SystemPromptMerge } from '../spec/decision.js';
import type { ConditionInput, MockFault, MockRandomFault } from './config-schema.js';
import type { ReliabilityOverrides } from './resolve-reliability.js';
import type { ServerLimits } from './server-limits-schema.js';

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
  maxResponseBytes: number;
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

/** A model that grades answers: a cascade check, or the picker of a parallel policy. */
export type JudgeSpec = { model: string; rubric: string | undefined; threshold: number; timeoutMs: number };

/** Tests of an answer; each one set must pass. */
export type CheckSpec = {
  jsonSchema: boolean;
  regex: string | undefined;
  refusal: boolean;
  minLength: number | undefined;
  judge: JudgeSpec | undefined;
  logprobs: { min: number } | undefined;
};

export type PickSpec = { type: 'first' } | { type: 'judge'; judge: JudgeSpec } | { type: 'check'; check: CheckSpec };

export type BalanceStrategy = 'weighted' | 'least_latency' | 'least_busy';

export type TargetSpec =
  | { policy: 'single'; model: string }
  | { policy: 'fallback'; models: string[] }
  | { policy: 'cheapest_above'; models: string[]; minQuality: number }
  | { policy: 'strong_weak'; strong: string; weak: string; threshold: number }
  | { policy: 'loadbalance'; strategy: BalanceStrategy; models: { model: string; weight: number }[] }
  | { policy: 'cascade'; models: string[]; check: CheckSpec }
  | { policy: 'parallel'; models: string[]; pick: PickSpec; timeoutMs: number };

export type CacheSpec = { size: number; ttlMs: number };

/**
 * A router's classifier. `trained`: a trained router file, loaded and checked at startup. `llm`: a
 * catalog model that names the route.
 */
export type ClassifierSpec =
  | { type: 'trained'; path: string; model: TrainedRouter }
  | { type: 'llm'; model: string; prompt: string | undefined; timeoutMs: number; cache: CacheSpec; maxChars: number };

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
};

export type MatchOn = 'last_user' | 'user' | 'all';

export type RouterSpec = {
  name: string;
  description: string | undefined;
  reference: string | undefined;
  matchOn: MatchOn;
  classifier: ClassifierSpec | undefined;
  /** Set when a route has `examples`. */
  encoder: EncoderSpec | undefined;
  /** In declared order: the first match wins. */
  routes: RouteSpec[];
  defaultTarget: TargetSpec;
  fallbacks: ReadonlyMap<string, readonly string[]>;
};

export type StorageConfig = {
  path: string;
  embeddingCache: string;
  storePrompts: boolean;
  retention: { maxAgeMs: number; maxRows: number };
};

export type ServerConfig = ServerLimits & {
  host: string;
  port: number;
  /** `none`: the operator said running without gateway keys is intended. */
  auth: 'api_keys' | 'none';
  /** Keys in force (never empty strings); none: no authentication. */
  apiKeys: readonly string[];
  /** Names (`api.example.com`, `*.example.com`, `*`) served besides localhost names and addresses; undefined: any, unless bound to loopback. */
  allowedHosts: readonly string[] | undefined;
  /** Undefined: browsers may call the API from its own origin only. */
  cors: { allowedOrigins: readonly string[] } | undefined;
  maxBodyBytes: number;
  /** How long a shutdown waits for requests in flight before it cuts them. */
  shutdownGraceMs: number;
};

/** A validated config with every reference checked and the built-in catalog merged in. Immutable. */
export type ResolvedConfig = {
  /** The file it came from, or `<quickstart>`. */
  source: string;
  server: ServerConfig;
  storage: StorageConfig;
  providers: ReadonlyMap<string, ProviderConfig>;
  models: ReadonlyMap<string, ModelSpec>;
  routers: ReadonlyMap<string, RouterSpec>;
  /** Things worth telling the operator that do not stop the gateway (disabled providers, ...). */
  warnings: readonly string[];
};
