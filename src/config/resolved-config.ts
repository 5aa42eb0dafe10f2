import type { ProviderConfig } from '../providers/provider-config.js';
import type { RouterSpec } from '../routing/router-spec.js';
import type { ModelAliases } from '../routing/model-aliases.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { ServerLimits } from './server-limits-schema.js';
import type { TeamLimits } from '../keys/virtual-key.js';

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
  /** `server.admin_keys` in force: the admin API and every caller's traces (none: no admin API). */
  adminKeys: readonly string[];
  /** `server.metrics_key_labels`: `key` and `team` labels on the request and cost metrics (fixed at start: the metrics outlive reloads). */
  metricsKeyLabels: boolean;
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
  /** `model_aliases`: requested model names (globs) → router or model, for names that are neither. */
  modelAliases: ModelAliases;
  /** `teams:` each team's shared limits and budget (its keys count against them together), and its guard policy. */
  teams: ReadonlyMap<string, TeamLimits>;
  /** `budgets:` how budget periods are counted. */
  budgets: { reset: 'calendar' | 'rolling'; timezone: string };
  /** Things worth telling the operator that do not stop the gateway (disabled providers, ...). */
  warnings: readonly string[];
};
