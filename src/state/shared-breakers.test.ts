import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisMissing, startRedis, type RedisServer } from '../../test/support/local-servers.js';
import { CircuitBreakers } from '../execution/circuit-breaker.js';
import { shareCircuitBreakers } from '../execution/share-circuit-breakers.js';
import type { CircuitBreakerSettings } from '../spec/reliability.js';
import { RedisState } from './redis-state.js';
import { SharedBreakers } from './shared-breakers.js';

const COOLDOWN_MS = 400;
const SETTINGS: CircuitBreakerSettings = { consecutiveFailures: 3, errorRate: 1, windowMs: 60_000, minRequests: 1_000, cooldownMs: COOLDOWN_MS };
const MODELS = [{ name: 'dead', reliability: { circuitBreaker: SETTINGS } }];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Two (or more) gateways' breakers on one Redis, as `Gateway` ties them. */
describe.skipIf(redisMissing !== undefined)('SharedBreakers on a real redis-server', () => {
  let redis: RedisServer;
  let admin: Redis;
  const opened: RedisState[] = [];
  let prefix = 0;
  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((state) => state.close()));
  });
  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
  });

  /** `count` gateways on one key prefix (each test its own), subscribed before it returns. */
  async function gateways(count: number, url = redis.url): Promise<{ breakers: CircuitBreakers[]; states: RedisState[]; key: string }> {
    const key = `t${++prefix}:`;
    const breakers: CircuitBreakers[] = [];
    const states: RedisState[] = [];
    for (let index = 0; index < count; index++) breakers.push(await gateway(key, url, states));
    if (url === redis.url) await expect.poll(async () => (await admin.pubsub('NUMSUB', `${key}breakers`))[1], { timeout: 5_000 }).toBe(count);
    return { breakers, states, key };
  }

  async function gateway(key: string, url: string, states: RedisState[]): Promise<CircuitBreakers> {
    const state = new RedisState({ url, keyPrefix: key, timeoutMs: 200, leaseMs: 30_000 });
    opened.push(state);
    states.push(state);
    await state.ready(url === redis.url ? 2_000 : 100);
    const breakers = new CircuitBreakers(MODELS);
    shareCircuitBreakers(breakers, new SharedBreakers(state));
    return breakers;
  }

  /** One call through a gateway's breaker, as the executor makes it; false when the breaker refuses. */
  const call = (breakers: CircuitBreakers, outcome: 'fail' | 'ok'): boolean => {
    const breaker = breakers.get('dead');
    const permit = breaker?.acquire();
    if (!breaker || !permit) return false;
    if (outcome === 'fail') breaker.recordFailure(permit);
    else breaker.recordSuccess(permit);
    return true;
  };
  const state = (breakers: CircuitBreakers | undefined): string | undefined => breakers?.get('dead')?.state();
  const counted = async (key: string): Promise<string | null> => admin.get(`${key}breaker:dead:failures`);

  it('counts failures across gateways: the threshold in all opens the circuit on every gateway', async () => {
    const { breakers, key } = await gateways(3);
    const [a, b, c] = breakers;
    if (!a || !b || !c) throw new Error('three gateways');
    expect(call(a, 'fail')).toBe(true);
    await expect.poll(() => counted(key)).toBe('1');
    expect(call(b, 'fail')).toBe(true);
    await expect.poll(() => counted(key)).toBe('2');
    expect([state(a), state(b), state(c)]).toEqual(['closed', 'closed', 'closed']);
    expect(call(c, 'fail')).toBe(true);
    await expect.poll(() => [state(a), state(b), state(c)]).toEqual(['open', 'open', 'open']);
    expect(call(a, 'fail')).toBe(false);
    expect(await admin.pttl(`${key}breaker:dead:open`)).toBeGreaterThan(0);
  });

  it('a failure settles once the others were told: a request that fails over afterwards leaves every gateway knowing', async () => {
    const { breakers, key } = await gateways(2);
    const [a, b] = breakers;
    const failOn = (gateway: CircuitBreakers | undefined): Promise<void> | undefined => {
      const breaker = gateway?.get('dead');
      return breaker?.recordFailure(breaker.acquire());
    };
    await failOn(a);
    expect(await counted(key)).toBe('1');
    await failOn(b);
    await failOn(a);
    // No polling: the opening was published before the failure settled.
    expect(await admin.pttl(`${key}breaker:dead:open`)).toBeGreaterThan(0);
    await expect.poll(() => state(b)).toBe('open');
  });

  it('a success anywhere breaks the run of failures for all (and costs no round trip while the count is zero)', async () => {
    const { breakers, key } = await gateways(2);
    const [a, b] = breakers;
    if (!a || !b) throw new Error('two gateways');
    call(a, 'fail');
    call(b, 'fail');
    await expect.poll(() => counted(key)).toBe('2');
    // A heard B's count from the published message: its success clears the shared count.
    call(a, 'ok');
    await expect.poll(() => counted(key)).toBe(null);
    call(b, 'fail');
    call(a, 'fail');
    await expect.poll(() => counted(key)).toBe('2');
    expect([state(a), state(b)]).toEqual(['closed', 'closed']);
  });

  it('after the cooldown only the gateway that opened the circuit probes; its success closes it everywhere', async () => {
    const { breakers } = await gateways(2);
    const [a, b] = breakers;
    if (!a || !b) throw new Error('two gateways');
    call(a, 'fail');
    call(a, 'fail');
    call(a, 'fail');
    await expect.poll(() => state(b)).toBe('open');
    await sleep(COOLDOWN_MS + 50);
    expect(state(a)).toBe('half_open');
    // B waits for A's verdict instead of sending a probe of its own.
    expect(call(b, 'ok')).toBe(false);
    expect(call(a, 'ok')).toBe(true);
    await expect.poll(() => state(b)).toBe('closed');
    expect(state(a)).toBe('closed');
  });

  it('a failed probe opens the circuit everywhere again, for a longer cooldown', async () => {
    const { breakers, key } = await gateways(2);
    const [a, b] = breakers;
    if (!a || !b) throw new Error('two gateways');
    call(a, 'fail');
    call(b, 'fail');
    // Both counted before A's next failure, so that A's is the one that opens the circuit.
    await expect.poll(() => counted(key)).toBe('2');
    call(a, 'fail');
    await expect.poll(() => [state(a), state(b)]).toEqual(['open', 'open']);
    await sleep(COOLDOWN_MS + 50);
    expect(call(a, 'fail')).toBe(true);
    await expect.poll(async () => admin.pttl(`${key}breaker:dead:open`)).toBeGreaterThan(COOLDOWN_MS);
    await sleep(COOLDOWN_MS + 50);
    // Doubled: A still open; B waits for A's verdict longer still.
    expect([state(a), state(b)]).toEqual(['open', 'open']);
  });

  it('a gateway that missed the news of an opening opens at its next failure', async () => {
    const { breakers, key } = await gateways(1);
    const [a] = breakers;
    if (!a) throw new Error('one gateway');
    // Opened elsewhere, its message lost (this gateway was reconnecting).
    await admin.set(`${key}breaker:dead:open`, 'elsewhere', 'PX', 5_000);
    expect(call(a, 'fail')).toBe(true);
    await expect.poll(() => state(a)).toBe('open');
    expect(await counted(key)).toBe(null);
  });

  it('a gateway that starts while a circuit is open opens it too', async () => {
    const { breakers, key, states } = await gateways(1);
    const [a] = breakers;
    if (!a) throw new Error('one gateway');
    call(a, 'fail');
    call(a, 'fail');
    call(a, 'fail');
    await expect.poll(async () => admin.pttl(`${key}breaker:dead:open`)).toBeGreaterThan(0);
    const late = await gateway(key, redis.url, states);
    await expect.poll(() => state(late)).toBe('open');
  });

  it('without Redis each gateway breaks on its own, as without shared state, and counts the fallbacks', async () => {
    const { breakers, states } = await gateways(2, 'redis://127.0.0.1:1');
    const [a, b] = breakers;
    if (!a || !b) throw new Error('two gateways');
    call(a, 'fail');
    call(b, 'fail');
    call(a, 'fail');
    // A's: reading the open circuits at start, then its two failures.
    await expect.poll(() => states[0]?.fallbacks().get('breakers')).toBe(3);
    expect([state(a), state(b)]).toEqual(['closed', 'closed']);
    call(a, 'fail');
    expect(state(a)).toBe('open');
    expect(state(b)).toBe('closed');
  });
});
