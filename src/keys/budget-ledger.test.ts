import { describe, expect, it } from 'vitest';
import { BudgetExceededError } from '../errors/execution-errors.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { DEFAULT_RELIABILITY } from '../spec/reliability.js';
import type { BudgetHold, BudgetScopes } from './admission.js';
import { BudgetLedger, type BudgetAlert } from './budget-ledger.js';
import type { KeyLimits, VirtualKey } from './virtual-key.js';

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
// Prompt upper bound: 6 framing tokens + "user" (4 bytes) + "hi" (2 bytes) = 12 tokens at $1/M, 100 output at $10/M: 1,012 micro-dollars.
const request = createChatRequest('small', 'hi', { maxOutputTokens: 100 });
const WORST = 1_012;
const START = Date.parse('2026-03-10T12:00:00Z');

function key(id: string, limits: KeyLimits, team?: string): VirtualKey {
  return { id, name: `${id}-name`, team, prefix: 'sk-swy-x', createdAt: 0, updatedAt: 0, expiresAt: undefined, revokedAt: undefined, routers: undefined, models: undefined, metadata: {}, limits };
}

function ledgerAt(clock: { now: number }, alerts: BudgetAlert[] = []) {
  return new BudgetLedger({ clock: { reset: 'calendar', timezone: 'UTC' }, now: () => clock.now, onAlert: (alert) => alerts.push(alert) });
}

function hold(result: BudgetHold | BudgetExceededError): BudgetHold {
  if (result instanceof BudgetExceededError) throw result;
  return result;
}

describe('BudgetLedger', () => {
  it('holds worst cases until the next one would pass the limit, and names the scope, limit, spend and need', () => {
    const clock = { now: START };
    const ledger = ledgerAt(clock);
    const scopes: BudgetScopes = { key: key('key_a', { budget: { usd: 0.01, period: 'day' } }), teamLimits: undefined };
    const holds: BudgetHold[] = [];
    let refused: BudgetExceededError | undefined;
    while (!refused && holds.length < 100) {
      const result = ledger.reserve(scopes, [{ specs: [spec] }], request);
      if (result instanceof BudgetExceededError) refused = result;
      else holds.push(result);
    }
    expect(holds).toHaveLength(Math.floor(10_000 / WORST));
    if (!refused) throw new Error('never refused');
    expect(refused.message).toBe('the daily budget of key key_a-name (key_a) is $0.01: $0 is spent and $0.009108 held by requests in flight, and this request may cost up to $0.001012');
    expect(refused.retryAfterMs).toBe(Date.parse('2026-03-11T00:00:00Z') - START);
    expect(refused.budget).toMatchObject({ scope: 'key', id: 'key_a', limitUsd: 0.01, reservedUsd: 0.009108 });
    // Settled at their real cost, the holds make room again.
    for (const each of holds) each.settle(0.0001);
    expect(ledger.spentMicros('key', 'key_a', 'day')).toBe(holds.length * 100);
    expect(ledger.state(scopes)).toMatchObject({ spentUsd: 0.0009, reservedUsd: 0 });
    expect(ledger.reserve(scopes, [{ specs: [spec] }], request)).not.toBeInstanceOf(BudgetExceededError);
  });

  it('lists its buckets of spend, the stored ones and those since, for a shared state to learn', () => {
    const clock = { now: START };
    const ledger = new BudgetLedger({ clock: { reset: 'calendar', timezone: 'UTC' }, now: () => clock.now, spent: [{ scope: 'team', id: 'ops', bucketStart: START - 900_000, micros: 7 }] });
    ledger.charge({ key: key('key_a', {}, 'ops'), teamLimits: undefined }, 0.000005);
    const records = ledger.records();
    expect(records).toHaveLength(3);
    expect(records).toEqual(
      expect.arrayContaining([
        { scope: 'team', id: 'ops', bucketStart: START - 900_000, micros: 7 },
        { scope: 'team', id: 'ops', bucketStart: START, micros: 5 },
        { scope: 'key', id: 'key_a', bucketStart: START, micros: 5 },
      ]),
    );
  });

  it('settles a hold once, and an unknown cost charges nothing', () => {
    const ledger = ledgerAt({ now: START });
    const scopes: BudgetScopes = { key: key('key_a', { budget: { usd: 1, period: 'month' } }), teamLimits: undefined };
    const first = hold(ledger.reserve(scopes, [{ specs: [spec] }], request));
    first.settle(0.000123);
    first.settle(0.5);
    hold(ledger.reserve(scopes, [{ specs: [spec] }], request)).settle(undefined);
    expect(ledger.spentMicros('key', 'key_a')).toBe(123);
    expect(ledger.state(scopes)?.reservedUsd).toBe(0);
  });

  it('shares a team budget between its keys, all or nothing: a request the team refuses holds nothing on its key', () => {
    const ledger = ledgerAt({ now: START });
    const teamLimits: KeyLimits = { budget: { usd: 0.0025, period: 'week' } };
    const a: BudgetScopes = { key: key('key_a', { budget: { usd: 1, period: 'day' } }, 'search'), teamLimits };
    const b: BudgetScopes = { key: key('key_b', {}, 'search'), teamLimits };
    hold(ledger.reserve(a, [{ specs: [spec] }], request));
    hold(ledger.reserve(b, [{ specs: [spec] }], request));
    const refused = ledger.reserve(a, [{ specs: [spec] }], request);
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect((refused as BudgetExceededError).message).toMatch(/^the weekly budget of team search is \$0.0025/);
    expect(ledger.state(a)).toMatchObject({ scope: 'team', id: 'search' });
    expect(ledger.state({ key: a.key, teamLimits: undefined })).toMatchObject({ scope: 'key', reservedUsd: WORST / 1_000_000 });
  });

  it('starts again when the period rolls over, and keeps spend restored from the store', () => {
    const clock = { now: START };
    const ledger = new BudgetLedger({ clock: { reset: 'calendar', timezone: 'UTC' }, now: () => clock.now, spent: [{ scope: 'key', id: 'key_a', bucketStart: START - 3_600_000, micros: 9_500 }] });
    const scopes: BudgetScopes = { key: key('key_a', { budget: { usd: 0.01, period: 'day' } }), teamLimits: undefined };
    expect(ledger.reserve(scopes, [{ specs: [spec] }], request)).toBeInstanceOf(BudgetExceededError);
    clock.now = Date.parse('2026-03-11T00:00:00Z');
    expect(ledger.state(scopes)?.spentUsd).toBe(0);
    expect(ledger.reserve(scopes, [{ specs: [spec] }], request)).not.toBeInstanceOf(BudgetExceededError);
  });

  it('counts a rolling window: spend leaves it a day later, and a refusal waits for the oldest spend to leave', () => {
    const clock = { now: START };
    const ledger = new BudgetLedger({ clock: { reset: 'rolling', timezone: 'UTC' }, now: () => clock.now });
    const scopes: BudgetScopes = { key: key('key_a', { budget: { usd: 0.01, period: 'day' } }), teamLimits: undefined };
    hold(ledger.reserve(scopes, [{ specs: [spec] }], request)).settle(0.009);
    clock.now = START + 23 * 3_600_000;
    const refused = ledger.reserve(scopes, [{ specs: [spec] }], request);
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect((refused as BudgetExceededError).retryAfterMs).toBe(3_600_000);
    clock.now = START + 24 * 3_600_000;
    expect(ledger.spentMicros('key', 'key_a', 'day')).toBe(0);
    expect(ledger.reserve(scopes, [{ specs: [spec] }], request)).not.toBeInstanceOf(BudgetExceededError);
  });

  it('alerts once as settled spend crosses 50%, 80% and 100%, with the key and team', () => {
    const alerts: BudgetAlert[] = [];
    const ledger = ledgerAt({ now: START }, alerts);
    const scopes: BudgetScopes = { key: key('key_a', { budget: { usd: 0.01, period: 'day' } }, 'search'), teamLimits: undefined };
    for (const cost of [0.004, 0.0009, 0.0001, 0.0015, 0.0015, 0.0019, 0.0001]) hold(ledger.reserve(scopes, [{ specs: [spec] }], createChatRequest('small', 'hi', { maxOutputTokens: 1 }))).settle(cost);
    expect(alerts.map((alert) => [alert.threshold, alert.spentUsd])).toEqual([
      [0.5, 0.005],
      [0.8, 0.008],
      [1, 0.01],
    ]);
    expect(alerts[0]).toMatchObject({ scope: 'key', id: 'key_a', keyName: 'key_a-name', team: 'search', limitUsd: 0.01, period: 'day' });
  });
});
