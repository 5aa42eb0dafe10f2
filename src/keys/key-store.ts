import type { VirtualKey, VirtualKeyInput, VirtualKeyUpdate } from './virtual-key.js';

/** A key as created or rotated: the record, and the secret, which is shown this once and never stored. */
export type IssuedKey = { key: VirtualKey; secret: string };

/**
 * Where the virtual keys live: the SQLite trace file (`SqliteKeyStore`) or PostgreSQL, shared by
 * many gateways (`PostgresKeyStore`). Reads are synchronous (an indexed local read, or memory), so
 * checking a key never waits on a network; writes may (callers await them). A secret is kept only
 * as its SHA-256 and never returned after `create`/`rotate`.
 */
export interface KeyStore {
  create(input: VirtualKeyInput, now?: number): IssuedKey | Promise<IssuedKey>;
  get(id: string): VirtualKey | undefined;
  /** The key whose secret has this SHA-256 (hex), whatever its state (the caller checks `keyState`). */
  findByHash(hash: string): VirtualKey | undefined;
  /** Whether any key is active at `now`: the gateway then asks every client for a key. */
  hasActiveKeys(now?: number): boolean;
  list(filter?: { team?: string | undefined }): VirtualKey[];
  /** Changes the fields `update` names (`null` clears one); `undefined` when there is no such key. */
  update(id: string, update: VirtualKeyUpdate, now?: number): VirtualKey | undefined | Promise<VirtualKey | undefined>;
  /** Revokes a key for good (a second revocation keeps the first time); `undefined` when there is no such key. */
  revoke(id: string, now?: number): VirtualKey | undefined | Promise<VirtualKey | undefined>;
  /** A new secret for the same key and record; the old secret no longer matches anything. */
  rotate(id: string, now?: number): IssuedKey | undefined | Promise<IssuedKey | undefined>;
  /**
   * `true`: every key is in memory, kept current by the store itself (PostgreSQL: each change is
   * notified, and all keys are read again every few seconds), so a lookup asks it on every request
   * rather than caching its answers: a key created or revoked elsewhere counts the moment the store
   * hears of it. Otherwise a lookup caches for `KEY_CACHE_TTL_MS`.
   */
  readonly inMemory?: boolean;
}
