import type { ProviderConfig } from '../providers/provider-config.js';
import type { RouterSpec } from '../routing/router-spec.js';
import type { ModelAliases } from '../routing/model-aliases.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { ServerLimits } from './server-limits-schema.js';
import type { TeamLimits } from '../keys/virtual-key.js';
import type { DriftConfig } from './resolve-drift.js';

export type StorageConfig = {
  path: string;
  embeddingCache: string;
  storePrompts: boolean;
  retention: { maxAgeMs: number; maxRows: number };
  /** Traces, keys and spend in PostgreSQL instead of the SQLite file at `path`. */
  postgres: { url: string } | undefined;
};

/** What fails open (serve, count in this process) or closed (503 `state_unavailable`) when Redis cannot answer. */
export type StateFailureMode = 'open' | 'closed';

/** `state:` where the counters every gateway shares live: in this process, or in Redis. */
export type StateConfig = {
  redis: { url: string; keyPrefix: string; timeoutMs: number; leaseMs: number } | undefined;
  onFailure: { rateLimits: StateFailureMode; budgets: StateFailureMode };
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
  /** `state:` shared counters (Redis) and what happens when they cannot be reached. */
  state: StateConfig;
  /** `drift:` the quality alarm's settings (fixed at start: the monitor outlives reloads) and calibrated levels (read from the config serving now). */
  drift: DriftConfig;
  /** Things worth telling the operator that do not stop the gateway (disabled providers, ...). */
  warnings: readonly string[];
};
