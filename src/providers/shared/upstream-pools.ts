import { Pool } from 'undici';

/** What the gateway calls itself upstream. */
export const USER_AGENT = 'switchyard/0.1';

/**
 * Keep-alive connection pools to one upstream origin. The connect timeout is a property of a pool,
 * so models with their own get a pool of their own (usually one in all).
 */
export function upstreamPools(origin: string, options: { maxConnections: number; maxResponseBytes: number }): { poolFor(connectTimeoutMs: number): Pool; close(): Promise<void> } {
  const pools = new Map<number, Pool>();
  return {
    poolFor(connectTimeoutMs) {
      let pool = pools.get(connectTimeoutMs);
      if (!pool) {
        pool = new Pool(origin, {
          connections: options.maxConnections,
          maxResponseSize: options.maxResponseBytes,
          keepAliveTimeout: 30_000,
          // Off (0): the executor's per-model first-token and total timeouts govern instead.
          headersTimeout: 0,
          bodyTimeout: 0,
          connect: { timeout: connectTimeoutMs },
        });
        pools.set(connectTimeoutMs, pool);
      }
      return pool;
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
    },
  };
}
