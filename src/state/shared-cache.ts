import { createHash } from 'node:crypto';
import type { RedisState } from './redis-state.js';

/**
 * Answers that are worth sharing between gateways (an LLM classifier's label for a text), in Redis
 * behind each gateway's own LRU: one gateway's call serves the others. Keys are hashes (no prompt
 * text is written to Redis), values live `ttlMs`. Always fails open: Redis away or slow, a read is a
 * miss and a write is skipped, both counted (`caches`).
 */
export class SharedCache {
  constructor(private readonly state: RedisState) {}

  /** The value stored under `key` in `namespace`; undefined when absent or Redis cannot answer in time. */
  async get(namespace: string, key: string): Promise<string | undefined> {
    try {
      const value = await this.state.run('caches', (redis) => redis.get(this.key(namespace, key)));
      return value ?? undefined;
    } catch {
      this.state.countFallback('caches');
      return undefined;
    }
  }

  /** Stores `value` for `ttlMs`, without waiting for Redis. */
  set(namespace: string, key: string, value: string, ttlMs: number): void {
    this.state.run('caches', (redis) => redis.set(this.key(namespace, key), value, 'PX', ttlMs)).catch(() => this.state.countFallback('caches'));
  }

  private key(namespace: string, key: string): string {
    return `${this.state.prefix}cache:${namespace}:${createHash('sha256').update(key).digest('hex')}`;
  }
}
