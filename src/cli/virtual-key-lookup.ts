import { CachedKeyLookup } from '../keys/cached-key-lookup.js';
import type { SqliteKeyStore } from '../keys/sqlite-key-store.js';

/**
 * The virtual keys `serve` accepts: beside static `server.api_keys` only. A gateway without static
 * keys stays open as configured (`auth: none` or the missing-auth warning) rather than turning
 * authentication on because a key was created, and everything keyed on "the gateway requires keys"
 * (stored responses' owners) holds for virtual keys too. When the store has active keys that would
 * go unchecked, `warning` says so.
 */
export function virtualKeyLookup(store: SqliteKeyStore, hasStaticKeys: boolean): { lookup: CachedKeyLookup | undefined; warning: string | undefined } {
  if (hasStaticKeys) return { lookup: new CachedKeyLookup((hash) => store.findByHash(hash)), warning: undefined };
  const warning = store.hasActiveKeys()
    ? 'the store holds virtual keys (switchyard keys list), but server.api_keys is empty, so no key is checked: set server.api_keys (at least one static key) to require keys'
    : undefined;
  return { lookup: undefined, warning };
}
