import type { ServerConfig } from '../config/resolved-config.js';
import { CachedKeyLookup, KEY_CACHE_TTL_MS } from '../keys/cached-key-lookup.js';
import type { KeyStore } from '../keys/key-store.js';
import { keysRequired } from '../server/keys-required.js';

/**
 * The virtual keys `serve` accepts: when the config requires keys (`server.api_keys` or
 * `server.admin_keys`; an admin key alone is enough to hand out virtual keys through the admin
 * API). A gateway without configured keys stays open as configured (`auth: none` or the
 * missing-auth warning) rather than turning authentication on because a key was created, and
 * everything keyed on "the gateway requires keys" (stored responses' owners) holds for virtual
 * keys too. When the store has active keys that would go unchecked, `warning` says so. A store
 * that keeps every key in memory (PostgreSQL) is asked on every request: nothing to cache.
 */
export function virtualKeyLookup(store: KeyStore, server: Pick<ServerConfig, 'apiKeys' | 'adminKeys'>): { lookup: CachedKeyLookup | undefined; warning: string | undefined } {
  if (keysRequired(server)) return { lookup: new CachedKeyLookup((hash) => store.findByHash(hash), store.inMemory === true ? 0 : KEY_CACHE_TTL_MS), warning: undefined };
  const warning = store.hasActiveKeys()
    ? 'the store holds virtual keys (switchyard keys list), but server.api_keys and server.admin_keys are empty, so no key is checked: set server.admin_keys or server.api_keys (at least one key) to require keys'
    : undefined;
  return { lookup: undefined, warning };
}
