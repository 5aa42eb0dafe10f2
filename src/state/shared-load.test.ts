import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisMissing, startRedis, type RedisServer } from '../../test/support/local-servers.js';
import { DeploymentLoad } from '../execution/deployment-load.js';
import { RedisState } from './redis-state.js';
import { SharedLoad } from './shared-load.js';

/** Two gateways' load figures on one Redis, as `Gateway` ties them. */
describe.skipIf(redisMissing !== undefined)('SharedLoad on a real redis-server', () => {
  let redis: RedisServer;
  /** When peers were heard from: it moves only when the test says, so no figure expires by itself. */
  let clock = 0;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  async function gateway(): Promise<{ load: DeploymentLoad; shared: SharedLoad; state: RedisState }> {
    const state = new RedisState({ url: redis.url, keyPrefix: 'load-test:', timeoutMs: 200, leaseMs: 30_000 });
    await state.ready();
    const load = new DeploymentLoad();
    const shared = new SharedLoad(state, () => clock);
    load.peers = shared;
    shared.attach(load);
    return { load, shared, state };
  }

  it("each gateway counts the others' calls in flight, ended calls and gone gateways drop out", async () => {
    const [a, b] = [await gateway(), await gateway()];
    try {
      a.load.started('m');
      a.load.started('m');
      a.load.started('other');
      b.load.started('m');
      await expect.poll(() => [a.load.inFlight('m'), b.load.inFlight('m'), b.load.inFlight('other')], { timeout: 3_000 }).toEqual([3, 3, 1]);
      a.load.finished('m', 100);
      a.load.finished('m', 100);
      await expect.poll(() => b.load.inFlight('m'), { timeout: 3_000 }).toBe(1);
      // B's last call ends: its next (empty) figures say so.
      b.load.finished('m', 100);
      await expect.poll(() => a.load.inFlight('m'), { timeout: 3_000 }).toBe(0);
      // A stops talking with a call still in flight (a crash): B forgets it a second later.
      a.shared.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(b.load.inFlight('other')).toBe(1);
      clock += 1_001;
      expect(b.load.inFlight('other')).toBe(0);
      expect(a.load.inFlight('other')).toBe(1);
    } finally {
      for (const { shared, state } of [a, b]) {
        shared.stop();
        await state.close();
      }
    }
  });
});
