import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisMissing, startRedis, type RedisServer } from '../../../test/support/local-servers.js';
import { RedisState } from '../../state/redis-state.js';
import type { ShadowHold } from './shadow-ledger.js';
import { SharedShadowBudget } from './shared-shadow-budget.js';

const DAY = 86_400_000;

describe.skipIf(redisMissing !== undefined)('SharedShadowBudget: one daily shadow budget for every gateway on one Redis', () => {
  let redis: RedisServer;
  const opened: RedisState[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(opened.map((state) => state.close()));
    await redis.stop();
  });

  let prefixes = 0;
  /** `count` gateways' budgets on one prefix, each with its own connection, on the clock `now`. */
  async function gateways(count: number, now: () => number, timeoutMs = 500): Promise<{ state: RedisState; budget: SharedShadowBudget }[]> {
    const prefix = `shadow${++prefixes}:`;
    const made = Array.from({ length: count }, () => {
      const state = new RedisState({ url: redis.url, keyPrefix: prefix, timeoutMs, leaseMs: 30_000 });
      opened.push(state);
      return { state, budget: new SharedShadowBudget(state, now) };
    });
    await Promise.all(made.map(({ state }) => state.ready()));
    return made;
  }
  const settled = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

  it('holds worst cases of all the gateways against one limit, settles at the real cost, and starts each UTC day at 0', async () => {
    let now = 10 * DAY + 1_000;
    const [a, b] = await gateways(2, () => now);
    const first = (await a!.budget.hold('auto', 600, 1_000)) as ShadowHold;
    expect(first).toMatchObject({ router: 'auto', micros: 600 });
    // The other gateway sees the hold: a second worst case of 600 would pass the limit with it.
    expect(await b!.budget.hold('auto', 600, 1_000)).toBeUndefined();
    // Another router has its own budget.
    expect(await b!.budget.hold('other', 600, 1_000)).toBeDefined();
    a!.budget.settle(first, 100);
    await settled();
    const second = (await b!.budget.hold('auto', 600.2, 1_000)) as ShadowHold;
    // Rounded up to whole micro-dollars.
    expect(second.micros).toBe(601);
    b!.budget.settle(second, 300);
    await settled();
    // 100 + 300 spent: 600 fits, 601 does not, on either gateway.
    expect(await a!.budget.hold('auto', 601, 1_000)).toBeUndefined();
    const third = await a!.budget.hold('auto', 600, 1_000);
    expect(third).toBeDefined();

    // Midnight UTC: a new day from nothing; the day before's hold settles into its own day.
    const late = (await b!.budget.hold('other', 400, 1_000)) as ShadowHold;
    now = 11 * DAY;
    expect(await a!.budget.hold('auto', 1_000, 1_000)).toBeDefined();
    b!.budget.settle(late, 400);
    await settled();
    expect(await b!.budget.hold('other', 1_000, 1_000)).toBeDefined();
  });

  it('runs no shadow job while Redis cannot answer, and counts each skip', async () => {
    const [gateway] = await gateways(1, Date.now, 100);
    redis.freeze();
    try {
      expect(await gateway!.budget.hold('auto', 1, 1_000)).toBeUndefined();
    } finally {
      redis.thaw();
    }
    expect(gateway!.state.fallbacks().get('budgets')).toBe(1);
    await settled();
    expect(await gateway!.budget.hold('auto', 1, 1_000)).toBeDefined();
  });
});
