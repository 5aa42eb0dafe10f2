import { describe, expect, it } from 'vitest';
import { CachedKeyLookup } from './cached-key-lookup.js';
import { hashKeySecret } from './key-secret.js';
import type { VirtualKey } from './virtual-key.js';

const KEY: VirtualKey = {
  id: 'key_1',
  name: 'app',
  team: undefined,
  prefix: 'sk-swy-abcd…',
  createdAt: 0,
  updatedAt: 0,
  expiresAt: undefined,
  revokedAt: undefined,
  routers: undefined,
  models: undefined,
  metadata: {},
  limits: {},
};

/** A store of one key whose record the test changes, counting the reads. */
function fakeStore(secret: string): { record: { key: VirtualKey }; reads: () => number; find: (hash: string) => VirtualKey | undefined } {
  const record = { key: KEY };
  let reads = 0;
  return {
    record,
    reads: () => reads,
    find: (hash) => {
      reads += 1;
      return hash === hashKeySecret(secret) ? record.key : undefined;
    },
  };
}

describe('CachedKeyLookup', () => {
  it('reads the store once per TTL, and refuses a revoked key once the TTL has passed', () => {
    const store = fakeStore('sk-swy-secret');
    const lookup = new CachedKeyLookup(store.find, 5_000);
    expect(lookup.lookup('sk-swy-secret', 1_000)).toBe(KEY);
    store.record.key = { ...KEY, revokedAt: 1_500 };
    expect(lookup.lookup('sk-swy-secret', 5_999)?.id).toBe('key_1');
    expect(store.reads()).toBe(1);
    expect(lookup.lookup('sk-swy-secret', 6_000)).toBeUndefined();
    expect(store.reads()).toBe(2);
  });

  it('refuses an expired key at once, whatever the cache holds', () => {
    const store = fakeStore('sk-swy-secret');
    store.record.key = { ...KEY, expiresAt: 2_000 };
    const lookup = new CachedKeyLookup(store.find, 5_000);
    expect(lookup.lookup('sk-swy-secret', 1_999)?.id).toBe('key_1');
    expect(lookup.lookup('sk-swy-secret', 2_000)).toBeUndefined();
  });

  it('forget (a change made here) drops the key and tells the others; drop (a change heard) only drops it', () => {
    const store = fakeStore('sk-swy-secret');
    const lookup = new CachedKeyLookup(store.find, 5_000);
    const told: string[] = [];
    lookup.announce = (keyId) => told.push(keyId);
    lookup.lookup('sk-swy-secret', 0);
    store.record.key = { ...KEY, revokedAt: 10 };
    lookup.drop('key_1');
    expect(lookup.lookup('sk-swy-secret', 20)).toBeUndefined();
    expect(told).toEqual([]);
    lookup.forget('key_1');
    expect(store.reads()).toBe(2);
    expect(told).toEqual(['key_1']);
  });

  it('caches unknown secrets too, and starts over past its size bound', () => {
    const store = fakeStore('sk-swy-secret');
    const lookup = new CachedKeyLookup(store.find, 5_000, 2);
    expect(lookup.lookup('sk-swy-guess', 0)).toBeUndefined();
    expect(lookup.lookup('sk-swy-guess', 10)).toBeUndefined();
    expect(store.reads()).toBe(1);
    lookup.lookup('sk-swy-other', 20);
    lookup.lookup('sk-swy-third', 30);
    lookup.lookup('sk-swy-guess', 40);
    expect(store.reads()).toBe(4);
  });
});
