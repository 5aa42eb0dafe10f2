import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisMissing, startRedis, type RedisServer } from '../../test/support/local-servers.js';
import { BudgetExceededError } from '../errors/execution-errors.js';
import { KeyRateLimitError, StateUnavailableError } from '../errors/request-errors.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { DEFAULT_RELIABILITY } from '../spec/reliability.js';
import type { Trace } from '../spec/trace.js';
import { RedisState } from '../state/redis-state.js';
import type { Admission } from './admission.js';
import { BudgetLedger, type BudgetAlert } from './budget-ledger.js';
import { bucketOf, type BudgetClock } from './budget-period.js';
import type { Caller } from './caller.js';
import { Governor } from './key-governor.js';
import { RATE_WINDOW_MS } from './key-rate-limits.js';
import { sharedKeyLimits, type SharedKeyLimits } from './shared-key-limits.js';
import type { FailureMode } from './state-fallback.js';
import type { KeyLimits, TeamLimits, VirtualKey } from './virtual-key.js';

const spec: ModelSpec = {
  name: 'small',
  provider: 'fake',
  wireModel: 'small',
  price: { input: 1, cachedInput: undefined, cacheWrite: undefined, output: 10 },
  contextWindow: 100_000,
  maxOutput: 8_000,
  capabilities: { tools: true, jsonSchema: true, vision: false, streaming: true, reasoning: false, builtinTools: false },
  reliability: DEFAULT_RELIABILITY,
  origin: 'config',
};
// 12 prompt tokens at $1/M and 100 output tokens at $10/M: a worst case of 1,012 micro-dollars.
const request = createChatRequest('small', 'hi', { maxOutputTokens: 100 });
const WORST = 1_012;
const STEPS = [{ specs: [spec] }];
const START = Date.parse('2026-03-10T12:00:00Z');
const CLOCK = { reset: 'calendar', timezone: 'UTC' } as const;

function virtualKey(id: string, limits: KeyLimits, team?: string): VirtualKey {
  return { id, name: `name-${id}`, team, prefix: 'sk-swy-AbCd', createdAt: 0, updatedAt: 0, expiresAt: undefined, revokedAt: undefined, routers: undefined, models: undefined, metadata: {}, limits };
}
const caller = (key: VirtualKey): Caller => ({ kind: 'key', key });
const traceOf = (costUsd: number | undefined, tokens = 1): Trace =>
  ({ attempts: [{ usage: { inputTokens: tokens, outputTokens: 0, cachedInputTokens: undefined, cacheWriteTokens: undefined, reasoningTokens: undefined, estimated: false } }], costUsd }) as unknown as Trace;

type Gateway = { state: RedisState; governor: Governor; shared: SharedKeyLimits; alerts: BudgetAlert[]; notices: string[] };

describe.skipIf(redisMissing !== undefined)('Governors sharing one Redis (two gateways)', () => {
  let redis: RedisServer;
  const opened: RedisState[] = [];
  let prefixes = 0;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(opened.map((state) => state.close()));
    await redis.stop();
  });

  /** Gateways on one Redis (a key prefix of their own per test), with one clock. */
  async function gateways(count: number, options: { teams?: Map<string, TeamLimits>; leaseMs?: number; now?: () => number; url?: string; onFailure?: { rateLimits: FailureMode; budgets: FailureMode }; clock?: BudgetClock } = {}): Promise<[Gateway, Gateway]> {
    const prefix = `t${++prefixes}:`;
    const now = options.now ?? Date.now;
    const made = Array.from({ length: count }, () => {
      const state = new RedisState({ url: options.url ?? redis.url, keyPrefix: prefix, timeoutMs: 500, leaseMs: options.leaseMs ?? 30_000 });
      opened.push(state);
      const alerts: BudgetAlert[] = [];
      const notices: string[] = [];
      const clock = options.clock ?? CLOCK;
      const local = new BudgetLedger({ clock, now });
      const shared = sharedKeyLimits(state, {
        onFailure: options.onFailure ?? { rateLimits: 'open', budgets: 'closed' },
        local,
        clock,
        now,
        onAlert: (alert) => alerts.push(alert),
        onFallback: (event) => notices.push(`${event.concern} ${event.state}`),
      });
      const teams = options.teams ?? new Map();
      const governor = new Governor({ teams: () => teams, budgets: shared.budgets, rates: shared.rates, now });
      return { state, governor, shared, alerts, notices };
    });
    if (options.url === undefined) await Promise.all(made.map(({ state }) => state.ready()));
    return made as [Gateway, Gateway];
  }

  const admit = (gateway: Gateway, key: VirtualKey): Promise<Admission | undefined> => gateway.governor.admit(caller(key), request);
  const settled = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

  it('shares rpm exactly, refusing with the same message and retry-after as one process, and frees the window after a minute', async () => {
    const time = { now: START };
    const [a, b] = await gateways(2, { now: () => time.now });
    const key = virtualKey('k1', { rpm: 5 });
    for (let index = 0; index < 5; index++) {
      time.now += 10;
      const admission = await admit(index % 2 === 0 ? a : b, key);
      expect(admission?.rateLimit?.requests).toMatchObject({ limit: 5, remaining: 4 - index });
    }
    const refusal = await admit(b, key).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(KeyRateLimitError);
    expect((refusal as KeyRateLimitError).message).toBe('Rate limit reached: key "name-k1"\'s limit of 5 requests per minute (rpm). Try again in 60s.');
    expect((refusal as KeyRateLimitError).retryAfterMs).toBe(RATE_WINDOW_MS - 40);
    await expect(admit(a, key)).rejects.toThrow(KeyRateLimitError);
    time.now = START + 10 + RATE_WINDOW_MS;
    expect(await admit(a, key)).toBeDefined();
    expect((await b.governor.usage({ stored: false, also: key })).keys[0]?.window).toMatchObject({ requests: 5 });
  });

  it('with the plan known, holds the budget with the rate check in one call to Redis, answers reserve with that hold, and frees it when the rate check refuses', async () => {
    const [a, b] = await gateways(2);
    const key = virtualKey('k20', { rpm: 1, budget: { usd: 1, period: 'month' } });
    const evalshas = async (): Promise<number> => Number(/cmdstat_evalsha:calls=(\d+)/.exec(String(await a.state.run('budgets', (client) => client.info('commandstats'))))?.[1] ?? 0);
    await a.governor.admit(caller(virtualKey('warm', { rpm: 100, budget: { usd: 1, period: 'month' } })), request, { steps: STEPS, request });
    const before = await evalshas();
    const admission = await a.governor.admit(caller(key), request, { steps: STEPS, request });
    expect((await evalshas()) - before).toBe(1);
    // The standing before its own hold, for the Decision.
    expect(admission?.budget).toMatchObject({ scope: 'key', id: 'k20', spentUsd: 0, reservedUsd: 0 });
    expect(await admission?.reserve(STEPS, request)).toBeUndefined();
    expect((await evalshas()) - before).toBe(1);
    expect(await b.shared.budgets.state({ key, teamLimits: undefined })).toMatchObject({ reservedUsd: WORST / 1e6 });
    // Refused by rpm on the other gateway: the hold taken with the check goes again.
    await expect(b.governor.admit(caller(key), request, { steps: STEPS, request })).rejects.toThrow(KeyRateLimitError);
    await settled();
    expect(await b.shared.budgets.state({ key, teamLimits: undefined })).toMatchObject({ reservedUsd: WORST / 1e6 });
    admission?.settle(traceOf(0.0005));
    await settled();
    expect(await b.shared.budgets.state({ key, teamLimits: undefined })).toMatchObject({ spentUsd: 0.0005, reservedUsd: 0 });
  });

  it('with the plan known, answers reserve with the refusal when the hold does not fit, counted once', async () => {
    const [a] = await gateways(1);
    const key = virtualKey('k21', { rpm: 100, budget: { usd: 0.0005, period: 'month' } });
    const admission = await a.governor.admit(caller(key), request, { steps: STEPS, request });
    expect(admission?.budget).toMatchObject({ scope: 'key', id: 'k21', limitUsd: 0.0005 });
    expect(await admission?.reserve(STEPS, request)).toBeInstanceOf(BudgetExceededError);
    expect((await a.governor.usage({ stored: false, also: key })).keys[0]?.refused).toEqual({ rateLimited: 0, budgetExceeded: 1 });
  });

  it('shares tpm with each request reconciled to its real tokens at settle', async () => {
    const time = { now: START };
    const [a, b] = await gateways(2, { now: () => time.now });
    const key = virtualKey('k2', { tpm: 100 });
    const first = await admit(a, key);
    first?.settle(traceOf(0.001, 95));
    await settled();
    await expect(admit(b, key)).rejects.toThrow(/limit of 100 tokens per minute \(tpm\)/);
    expect((await a.governor.usage({ stored: false, also: key })).keys[0]?.window).toEqual({ requests: 1, tokens: 95, inFlight: 0 });
    // Out of the window, the request takes its real tokens (not its estimate) off the sum.
    time.now += RATE_WINDOW_MS + 1;
    expect((await b.governor.usage({ stored: false, also: key })).keys[0]?.window).toEqual({ requests: 0, tokens: 0, inFlight: 0 });
    expect(await admit(b, key)).toBeDefined();
  });

  it('leaves no key behind without an expiry: the window, the spend and its period sum expire when idle, the holds and leases empty', async () => {
    const [a] = await gateways(1);
    const teams = new Map<string, TeamLimits>([['ops', {}]]);
    const governor = new Governor({ teams: () => teams, budgets: a.shared.budgets, rates: a.shared.rates });
    const key = virtualKey('k20', { rpm: 10, tpm: 10_000, maxConcurrent: 5, budget: { usd: 1, period: 'month' } }, 'ops');
    const admission = (await governor.admit(caller(key), request, { steps: STEPS, request })) as Admission;
    expect(await admission.reserve(STEPS, request)).toBeUndefined();
    admission.settle(traceOf(0.001, 20));
    await settled();
    const lifetimes = await a.state.run('caches', async (redis) => {
      const names = await redis.keys(`${a.state.prefix}*`);
      return Promise.all(names.sort().map(async (name) => [name.slice(a.state.prefix.length), await redis.pttl(name)] as const));
    });
    // Each scope's window (log, sum) and spend; the period sum only where there is a budget.
    expect(lifetimes.map(([name]) => name)).toEqual(['budget:{key:k20}:spend', 'budget:{key:k20}:sums', 'budget:{team:ops}:spend', 'rate:{key:k20}:log', 'rate:{key:k20}:sum', 'rate:{team:ops}:log', 'rate:{team:ops}:sum']);
    for (const [name, ttl] of lifetimes) expect({ name, expires: ttl > 0 }).toEqual({ name, expires: true });
  });

  it('shares max_concurrent: a slot freed on one gateway is free on the other', async () => {
    const [a, b] = await gateways(2);
    const key = virtualKey('k3', { maxConcurrent: 2 });
    const first = await admit(a, key);
    await admit(b, key);
    await expect(admit(a, key)).rejects.toThrow(/limit of 2 requests in flight \(max_concurrent\)/);
    first?.settle(undefined);
    await settled();
    expect((await admit(b, key))?.rateLimit?.concurrent).toMatchObject({ limit: 2, remaining: 0 });
  });

  it('counts a key and its team all or nothing: a refusal by either counts in neither', async () => {
    const teams = new Map<string, TeamLimits>([['ops', { rpm: 3 }]]);
    const [a, b] = await gateways(2, { teams });
    const one = virtualKey('k4', { rpm: 1 }, 'ops');
    const two = virtualKey('k5', { rpm: 10 }, 'ops');
    await admit(a, one);
    // Refused by the key's own limit: the team does not count it.
    await expect(admit(b, one)).rejects.toThrow(/key "name-k4"'s limit of 1 requests per minute/);
    await admit(b, two);
    await admit(a, two);
    // Refused by the team's limit: the key does not count it.
    await expect(admit(b, two)).rejects.toThrow(/team "ops"'s limit of 3 requests per minute/);
    const report = await a.governor.usage({ stored: false, also: two, team: 'ops' });
    expect(report.teams[0]?.window?.requests).toBe(3);
    expect(report.keys.find((entry) => entry.id === 'k5')?.window?.requests).toBe(2);
  });

  it('renews the leases of a live gateway and lets those of a dead one expire', async () => {
    const [a, b] = await gateways(2, { leaseMs: 400 });
    const key = virtualKey('k6', { maxConcurrent: 1 });
    await admit(a, key);
    // Past two lease lengths: renewed every leaseMs/3, the slot is still held.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await expect(admit(b, key)).rejects.toThrow(KeyRateLimitError);
    // The gateway dies holding it (its connection gone, no settle, no renewal): the slot frees within the lease.
    await a.state.close();
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await admit(b, key)).toBeDefined();
  });

  it('shares a budget: holds of every gateway count, a settle replaces the hold, alerts fire once across the gateways', async () => {
    const time = { now: START };
    const [a, b] = await gateways(2, { now: () => time.now });
    // Room for three worst cases and a bit.
    const key = virtualKey('k7', { budget: { usd: (3 * WORST + 500) / 1_000_000, period: 'month' } });
    const held: Admission[] = [];
    for (const gateway of [a, b, a]) {
      const admission = (await admit(gateway, key)) as Admission;
      expect(await admission.reserve(STEPS, request)).toBeUndefined();
      held.push(admission);
    }
    const refused = (await admit(b, key)) as Admission;
    expect(refused.budget).toMatchObject({ reservedUsd: (3 * WORST) / 1_000_000, spentUsd: 0 });
    const error = await refused.reserve(STEPS, request);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect((error as BudgetExceededError).message).toBe(`the monthly budget of key name-k7 (k7) is $0.003536: $0 is spent and $0.003036 held by requests in flight, and this request may cost up to $0.001012`);
    refused.settle(undefined);
    // Each settles at less than its worst case: 1,000 micro-dollars.
    for (const admission of held) admission.settle(traceOf(0.001));
    await settled();
    const state = (await b.governor.usage({ stored: false, also: key })).keys[0]?.budget;
    expect(state).toMatchObject({ spentUsd: 0.003, reservedUsd: 0, limitUsd: 0.003536 });
    // 50% (1,768) and 80% (2,828.8) were crossed once each, on whichever gateway settled across them.
    expect([...a.alerts, ...b.alerts].map((alert) => alert.threshold).sort()).toEqual([0.5, 0.8]);
  });

  it('refuses over a rolling budget with the retry-after of one process: when the oldest spend leaves the window', async () => {
    const time = { now: START };
    const rolling: BudgetClock = { reset: 'rolling', timezone: 'UTC' };
    const [a, b] = await gateways(2, { now: () => time.now, clock: rolling });
    const alone = new Governor({ teams: () => new Map(), budgets: new BudgetLedger({ clock: rolling, now: () => time.now }), now: () => time.now });
    const key = virtualKey('k14', { budget: { usd: (2 * WORST) / 1_000_000, period: 'day' } });
    for (const governor of [a.governor, alone]) {
      const first = (await governor.admit(caller(key), request)) as Admission;
      expect(await first.reserve(STEPS, request)).toBeUndefined();
      first.settle(traceOf(WORST / 1_000_000));
    }
    await settled();
    time.now += 2 * 3_600_000;
    const refusals: (number | undefined)[] = [];
    for (const governor of [b.governor, alone]) {
      const second = (await governor.admit(caller(key), request)) as Admission;
      const error = await second.reserve([{ specs: [spec] }, { specs: [spec] }], request);
      expect(error).toBeInstanceOf(BudgetExceededError);
      refusals.push((error as BudgetExceededError).retryAfterMs);
    }
    expect(refusals[0]).toBe(bucketOf(START) + 24 * 3_600_000 - time.now);
    expect(refusals[0]).toBe(refusals[1]);
  });

  it('lets the budget holds of a dead gateway expire, and counts a team budget for every key of the team', async () => {
    const teams = new Map<string, TeamLimits>([['fin', { budget: { usd: (WORST + 10) / 1_000_000, period: 'day' } }]]);
    const [a, b] = await gateways(2, { teams, leaseMs: 300 });
    const first = (await admit(a, virtualKey('k8', {}, 'fin'))) as Admission;
    expect(await first.reserve(STEPS, request)).toBeUndefined();
    const other = (await admit(b, virtualKey('k9', {}, 'fin'))) as Admission;
    expect(await other.reserve(STEPS, request)).toBeInstanceOf(BudgetExceededError);
    await a.state.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const again = (await admit(b, virtualKey('k9', {}, 'fin'))) as Admission;
    expect(await again.reserve(STEPS, request)).toBeUndefined();
  });

  it('seeds Redis with spend of the buckets where it has less, leaving those where it has more', async () => {
    const [a] = await gateways(1);
    const key = virtualKey('k10', { budget: { usd: 1, period: 'month' } });
    const first = (await admit(a, key)) as Admission;
    expect(first.budget?.spentUsd).toBe(0);
    expect(await first.reserve(STEPS, request)).toBeUndefined();
    first.settle(traceOf(0.001));
    await settled();
    const now = Date.now();
    // An older view: less in the bucket Redis has (1,000 settled there since), and a bucket it lacks.
    const records = [
      { scope: 'key' as const, id: 'k10', bucketStart: bucketOf(now), micros: 400 },
      { scope: 'key' as const, id: 'k10', bucketStart: bucketOf(now) - 15 * 60_000, micros: 100_000 },
    ];
    expect(await a.shared.seed(records)).toBe(1);
    expect(await a.shared.seed(records)).toBe(0);
    expect((await admit(a, key))?.budget?.spentUsd).toBe(0.101);
  });

  it('with Redis away: rate limits open admit on this process counters (told once), closed refuse; budgets closed refuse only keys with a budget', async () => {
    // A port nothing listens on: every command fails at once.
    const url = `redis://127.0.0.1:${redis.port + 1}`;
    const [open] = await gateways(1, { url, onFailure: { rateLimits: 'open', budgets: 'closed' } });
    const [closed] = await gateways(1, { url, onFailure: { rateLimits: 'closed', budgets: 'open' } });
    const limited = virtualKey('k11', { rpm: 2 });
    expect(await admit(open, limited)).toBeDefined();
    expect(await admit(open, limited)).toBeDefined();
    await expect(admit(open, limited)).rejects.toThrow(KeyRateLimitError);
    expect(open.notices).toEqual(['rate_limits fallback']);
    expect(open.state.fallbacks().get('rate_limits')).toBe(3);
    await expect(admit(closed, limited)).rejects.toThrow(StateUnavailableError);
    const budgeted = virtualKey('k12', { rpm: 100, budget: { usd: 1, period: 'month' } });
    await expect(admit(open, budgeted)).rejects.toThrow(StateUnavailableError);
    // Budgets open: this process's ledger answers.
    const admission = (await admit(closed, virtualKey('k13', { budget: { usd: 1, period: 'month' } }))) as Admission;
    expect(admission.budget).toMatchObject({ spentUsd: 0, limitUsd: 1 });
    expect(await admission.reserve(STEPS, request)).toBeUndefined();
    expect(closed.notices).toEqual(['rate_limits fallback', 'budgets fallback']);
  });
});
