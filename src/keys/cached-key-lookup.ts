import { hashKeySecret } from './key-secret.js';
import { keyState, type VirtualKey } from './virtual-key.js';

/**
 * How long a key's state is trusted before the store is read again: a key revoked, rotated or
 * expired is refused within this bound on every instance that shares the store.
 */
export const KEY_CACHE_TTL_MS = 5_000;
/** Entries kept at most; past this the cache starts over (a flood of made-up keys must not grow it). */
export const KEY_CACHE_MAX_ENTRIES = 10_000;

type Entry = { key: VirtualKey | undefined; readAt: number };

/**
 * The active virtual key a secret belongs to, read from the store at most once per secret per
 * `ttlMs` (an indexed read of one row), so the request path rarely touches the database. Unknown
 * secrets are cached too, so guessing does not become one database read per request.
 */
export class CachedKeyLookup {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly findByHash: (hash: string) => VirtualKey | undefined,
    private readonly ttlMs = KEY_CACHE_TTL_MS,
    private readonly maxEntries = KEY_CACHE_MAX_ENTRIES,
  ) {}

  /** The key if it is active at `now`; `undefined` for an unknown, revoked or expired one. */
  lookup(secret: string, now = Date.now()): VirtualKey | undefined {
    const hash = hashKeySecret(secret);
    let entry = this.entries.get(hash);
    if (entry === undefined || now - entry.readAt >= this.ttlMs) {
      if (entry === undefined && this.entries.size >= this.maxEntries) this.entries.clear();
      entry = { key: this.findByHash(hash), readAt: now };
      this.entries.set(hash, entry);
    }
    return entry.key !== undefined && keyState(entry.key, now) === 'active' ? entry.key : undefined;
  }

  /**
   * Told of each key changed here, so that other gateways drop it too (`state/revocations.ts`, with
   * `state.redis`); undefined: no one else is told, and they see the change within `ttlMs`.
   */
  announce: ((keyId: string) => void) | undefined;

  /** Drops what is cached of a key (revoked, rotated or changed here): its next use reads the store. Other gateways are told (`announce`). */
  forget(keyId: string): void {
    this.drop(keyId);
    this.announce?.(keyId);
  }

  /** Drops what is cached of a key another gateway changed: as `forget`, without telling anyone. */
  drop(keyId: string): void {
    for (const [hash, entry] of this.entries) if (entry.key?.id === keyId) this.entries.delete(hash);
  }
}
