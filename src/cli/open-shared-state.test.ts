import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisMissing, startRedis, type RedisServer } from '../../test/support/local-servers.js';
import { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import { openSharedState, shareState } from './open-shared-state.js';

describe.skipIf(redisMissing !== undefined)('the shared state of serve', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('logs once when Redis goes down and once when it is back, without the password, and /metrics follows', async () => {
    const lines: { level: number; msg: string; detail?: string }[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const text of chunk.toString().split('\n')) if (text !== '') lines.push(JSON.parse(text) as (typeof lines)[number]);
          done();
        },
      }),
    );
    const url = redis.url.replace('redis://', 'redis://default:hunter2-secret@');
    const state = await openSharedState({ redis: { url, keyPrefix: 'log:', timeoutMs: 100, leaseMs: 30_000 }, onFailure: { rateLimits: 'open', budgets: 'closed' } }, logger);
    if (!state) throw new Error('state.redis is set');
    const metrics = new GatewayMetrics({ processMetrics: false });
    shareState(state, metrics, undefined);
    try {
      expect(state.available).toBe(true);
      expect(await metrics.render()).toContain('switchyard_state_up 1');
      await redis.kill();
      await expect.poll(() => lines.filter((line) => line.level === 40).length, { timeout: 5_000 }).toBe(1);
      expect(await metrics.render()).toContain('switchyard_state_up 0');
      await redis.restart();
      await expect.poll(() => lines.filter((line) => line.level === 30).length, { timeout: 10_000 }).toBe(1);
      expect(await metrics.render()).toContain('switchyard_state_up 1');
      // Reconnection attempts while it was down said nothing more.
      expect(lines.map((line) => line.msg)).toEqual([expect.stringMatching(/Redis is unreachable/), expect.stringMatching(/Redis is back/)]);
      expect(JSON.stringify(lines)).not.toContain('hunter2');
    } finally {
      await state.close();
    }
  });
});
