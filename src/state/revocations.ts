import { RedisState, type RedisStateOptions } from './redis-state.js';

const CHANNEL = 'keys:changed';

/**
 * Key changes (revoked, rotated, updated) told to every gateway on one Redis, so that each drops the
 * key from its cache at once instead of trusting it for the rest of the cache's TTL. Best effort:
 * a change not heard (Redis away) is still seen within that TTL.
 */
export class Revocations {
  constructor(private readonly state: RedisState) {}

  /** Tells every gateway (this one included) that the key changed. */
  announce(keyId: string): void {
    this.state.publish('revocations', CHANNEL, keyId);
  }

  /** Calls `drop` with the id of every key changed anywhere. */
  listen(drop: (keyId: string) => void): void {
    this.state.subscribe(CHANNEL, drop);
  }
}

/**
 * For the CLI, which changes a key outside any gateway: tells the gateways on this Redis, waiting at
 * most about `timeoutMs` (twice: connecting, publishing). Resolves false when Redis could not be told.
 */
export async function announceKeyChange(redis: Omit<RedisStateOptions, 'onStatus'>, keyId: string): Promise<boolean> {
  const state = new RedisState(redis);
  try {
    if (!(await state.ready(Math.max(1_000, redis.timeoutMs)))) return false;
    await state.run('revocations', (client) => client.publish(redis.keyPrefix + CHANNEL, keyId));
    return true;
  } catch {
    return false;
  } finally {
    await state.close();
  }
}
