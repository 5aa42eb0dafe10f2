import type { ProviderConfig } from '../providers/provider-config.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { RouterSpec } from './router-spec.js';
import type { ModelAliases } from './model-aliases.js';

/** What `Routing` is built from: the catalog, providers and routers of a resolved config (a `ResolvedConfig` is one). */
export type RoutingConfig = {
  models: ReadonlyMap<string, ModelSpec>;
  providers: ReadonlyMap<string, ProviderConfig>;
  routers: ReadonlyMap<string, RouterSpec>;
  /** Requested model names (globs) → router or model; consulted only for names that are neither. */
  modelAliases?: ModelAliases | undefined;
};
