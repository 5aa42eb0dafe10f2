import type { ModelSpec } from '../spec/model-spec.js';
import type { SystemPromptMerge } from '../spec/decision.js';
import type { ConditionInput } from './config-schema.js';

/** Set when a provider cannot be used because variables it references are unset. */
export type ProviderDisabled = { missingEnv: string[] };

export type ProviderConfig = {
  name: string;
  type: 'openai';
  baseUrl: string;
  /** Never logged, traced or returned; see providers/<name>/ for the only places that read it. */
  apiKey: string | undefined;
  headers: Readonly<Record<string, string>>;
  maxConnections: number;
  disabled: ProviderDisabled | undefined;
};

export type TargetSpec = { policy: 'single'; model: string } | { policy: 'fallback'; models: string[] };

export type RouteAction = { type: 'target'; target: TargetSpec } | { type: 'block'; message: string };

export type RouteSpec = {
  name: string;
  description: string | undefined;
  when: ConditionInput | undefined;
  action: RouteAction;
  system: { text: string; merge: SystemPromptMerge } | undefined;
};

export type MatchOn = 'last_user' | 'user' | 'all';

export type RouterSpec = {
  name: string;
  description: string | undefined;
  reference: string | undefined;
  matchOn: MatchOn;
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
