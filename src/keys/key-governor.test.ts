import { describe, expect, it } from 'vitest';
import { BudgetExceededError } from '../errors/execution-errors.js';
import { ForbiddenError, KeyRateLimitError } from '../errors/request-errors.js';
import { createChatRequest } from '../spec/create-chat-request.js';
import type { BudgetState } from '../spec/decision.js';
import type { Trace } from '../spec/trace.js';
import type { Usage } from '../spec/usage.js';
import type { BudgetGate, BudgetScopes } from './admission.js';
import type { Caller } from './caller.js';
import { Governor, tokensUsed } from './key-governor.js';
import { RATE_WINDOW_MS } from './key-rate-limits.js';
import type { KeyLimits, TeamLimits, VirtualKey } from './virtual-key.js';

const START = 1_000_000;

function virtualKey(id: string, limits: KeyLimits, team?: string): VirtualKey {
  return { id, name: `name-${id}`, team, prefix: 'sk-swy-AbCd', createdAt: 0, updatedAt: 0, expiresAt: undefined, revokedAt: undefined, routers: undefined, models: undefined, metadata: {}, limits };
}

const caller = (key: VirtualKey): Caller => ({ kind: 'key', key });
// 40 characters: 10 tokens of text, plus the framing of one message and the reply.
const request = createChatRequest('auto', 'x'.repeat(40));
const PROMPT_TOKENS = 10 + 3 + 3 + Math.ceil('user'.length / 4);

function usage(input: number, output: number): Usage {
  return { inputTokens: input, cachedInputTokens: undefined, cacheWriteTokens: undefined, outputTokens: output, reasoningTokens: undefined, estimated: false };
}

function traceOf(usages: (Usage | undefined)[], costUsd?: number): Trace {
  return { attempts: usages.map((attempt) => ({ usage: attempt })), costUsd } as unknown as Trace;
}

function governor(teams: Map<string, KeyLimits> = new Map(), budgets?: BudgetGate) {
  const time = { now: START };
  return { time, governor: new Governor({ teams: () => teams, budgets, now: () => time.now }) };
}

describe('Governor', async () => {
  it('lets callers without limits through without counting them', async () => {
    const { governor: gov } = governor();
    expect(await gov.admit({ kind: 'static' }, request)).toBeUndefined();
    expect(await gov.admit({ kind: 'open' }, request)).toBeUndefined();
    expect(await gov.admit(caller(virtualKey('key_free', {})), request)).toBeUndefined();
    expect(await gov.usage({ stored: false })).toEqual({ keys: [], teams: [] });
  });

  it('refuses a model outside the key allow lists before counting anything', async () => {
    const { governor: gov } = governor();
    const key = { ...virtualKey('key_a', { rpm: 1 }), routers: ['auto'] };
    await expect(gov.admit(caller(key), createChatRequest('strong', 'hi'))).rejects.toThrow(ForbiddenError);
    expect(await gov.admit(caller(key), request)).toBeDefined();
  });

  it('holds a key that requires a guard, by its own policy or its team\'s, to the guarded routers, even without limits', async () => {
    const teams = new Map<string, TeamLimits>([['careful', { requireGuard: true }], ['loose', { rpm: 100 }]]);
    const gov = new Governor({ teams: () => teams, guardedRouters: () => new Set(['auto']) });
    const own = { ...virtualKey('key_own', {}), requireGuard: true };
    expect(await gov.admit(caller(own), request)).toBeUndefined();
    const refused = (key: VirtualKey, model: string) => gov.admit(caller(key), createChatRequest(model, 'hi'));
    await expect(refused(own, 'strong')).rejects.toThrow('This key must go through a safety guard: use a router with one (auto); "strong" has none.');
    const ofTeam = virtualKey('key_team', {}, 'careful');
    await expect(refused(ofTeam, 'strong')).rejects.toThrow(ForbiddenError);
    expect(await gov.admit(caller(ofTeam), request)).toBeUndefined();
    await expect(refused(virtualKey('key_loose', {}, 'loose'), 'strong')).resolves.toBeDefined();
    // Without the routers (a governor not told them), a key that requires a guard can use none.
    await expect(governor().governor.admit(caller(own), request)).rejects.toThrow('This key must go through a safety guard: none is available to it; "auto" has none.');
  });

  it('counts the prompt at admission, reconciles it with every billed call at settle, once', async () => {
    const { governor: gov, time } = governor();
    const key = virtualKey('key_a', { tpm: 1_000, maxConcurrent: 1 });
    const admission = await gov.admit(caller(key), request);
    expect(admission?.rateLimit?.tokens?.remaining).toBe(1_000 - PROMPT_TOKENS);
    await expect(gov.admit(caller(key), request)).rejects.toThrow(KeyRateLimitError);
    // A classifier call and the answer: both billed, both counted.
    admission?.settle(traceOf([usage(100, 5), undefined, usage(300, 200)]));
    admission?.settle(traceOf([usage(10_000, 0)]));
    const [entry] = (await gov.usage({ stored: false })).keys;
    expect(entry?.window).toEqual({ requests: 1, tokens: 605, inFlight: 0 });
    expect(entry?.refused).toEqual({ rateLimited: 1, budgetExceeded: 0 });
    time.now += RATE_WINDOW_MS;
    expect((await gov.usage({ stored: false })).keys[0]?.window).toEqual({ requests: 0, tokens: 0, inFlight: 0 });
  });

  it('keeps the estimate when no call reported usage, counts nothing when no call was made', async () => {
    expect(tokensUsed(traceOf([undefined]))).toBeUndefined();
    expect(tokensUsed(traceOf([]))).toBe(0);
    expect(tokensUsed(traceOf([usage(3, 4), { ...usage(1, 1), inputTokens: undefined }]))).toBe(8);
  });

  it('shares a team limit between keys, read from the config serving now, counters kept across a reload', async () => {
    const teams = new Map<string, KeyLimits>([['billing', { rpm: 2 }]]);
    const { governor: gov } = governor(teams);
    const a = virtualKey('key_a', {}, 'billing');
    const b = virtualKey('key_b', {}, 'billing');
    await gov.admit(caller(a), request);
    await gov.admit(caller(b), request);
    await expect(gov.admit(caller(a), request)).rejects.toThrow(/team "billing"'s limit of 2 requests per minute/);
    // A reload raises the team's limit: the two already counted stay counted.
    teams.set('billing', { rpm: 3 });
    expect((await gov.admit(caller(b), request))?.rateLimit?.requests).toMatchObject({ limit: 3, remaining: 0 });
    await expect(gov.admit(caller(b), request)).rejects.toThrow(KeyRateLimitError);
    const report = await gov.usage({ stored: false, team: 'billing' });
    expect(report.teams).toEqual([{ id: 'billing', limits: { rpm: 3 }, window: { requests: 3, tokens: 3 * PROMPT_TOKENS, inFlight: 3 }, refused: { rateLimited: 2, budgetExceeded: 0 }, budget: undefined }]);
    expect(report.keys.map((key) => [key.id, key.refused.rateLimited])).toEqual([['key_a', 1], ['key_b', 1]]);
  });

  it('is exact under interleaved admissions and settles of several keys of a team', async () => {
    const teams = new Map<string, KeyLimits>([['t', { maxConcurrent: 4, rpm: 1_000 }]]);
    const { governor: gov, time } = governor(teams);
    const keys = [virtualKey('k1', { maxConcurrent: 2 }, 't'), virtualKey('k2', { maxConcurrent: 3 }, 't'), virtualKey('k3', {}, 't')];
    const open: { key: string; settle: () => void }[] = [];
    let admitted = 0;
    for (let step = 0; step < 600; step++) {
      time.now += 50;
      const key = keys[step % 3] as VirtualKey;
      try {
        const admission = await gov.admit(caller(key), request);
        admitted++;
        open.push({ key: key.id, settle: () => admission?.settle(traceOf([usage(1, 1)])) });
      } catch (error) {
        expect(error).toBeInstanceOf(KeyRateLimitError);
      }
      if (step % 2 === 0) open.splice(step % Math.max(1, open.length), 1)[0]?.settle();
      const inFlight = (id: string): number => open.filter((entry) => entry.key === id).length;
      const report = await gov.usage({ stored: false });
      expect(report.teams[0]?.window?.inFlight).toBe(open.length);
      expect(open.length).toBeLessThanOrEqual(4);
      expect(inFlight('k1')).toBeLessThanOrEqual(2);
      for (const entry of report.keys) expect(entry.window?.inFlight).toBe(inFlight(entry.id));
    }
    const report = await gov.usage({ stored: false });
    const refused = report.keys.reduce((sum, entry) => sum + entry.refused.rateLimited, 0);
    expect(admitted + refused).toBe(600);
    expect(report.teams[0]?.refused.rateLimited).toBe(refused);
  });

  it('holds budgets through the gate, counts a budget refusal, settles the hold with the trace cost', async () => {
    const settled: (number | undefined)[] = [];
    const charged: (number | undefined)[] = [];
    const state: BudgetState = { scope: 'key', id: 'key_a', limitUsd: 1, spentUsd: 0.5, reservedUsd: 0, fraction: 0.5, period: 'month', periodEnd: START + 1_000 };
    let fits = true;
    const seen: BudgetScopes[] = [];
    const gate: BudgetGate = {
      state: (scopes) => (seen.push(scopes), state),
      reserve: () => (fits ? { settle: (cost) => void settled.push(cost) } : new BudgetExceededError('over', { budget: state, retryAfterMs: 1_000 })),
      charge: (_scopes, cost) => void charged.push(cost),
    };
    const { governor: gov } = governor(new Map(), gate);
    const key = virtualKey('key_a', { budget: { usd: 1, period: 'month' } });
    const admission = await gov.admit(caller(key), request);
    expect(admission?.budget).toBe(state);
    expect(admission?.rateLimit).toBeUndefined();
    expect(await admission?.reserve([], request)).toBeUndefined();
    admission?.settle(traceOf([usage(1, 1)], 0.25));
    admission?.settle(traceOf([usage(1, 1)], 0.25));
    expect(settled).toEqual([0.25]);
    fits = false;
    const refused = await gov.admit(caller(key), request);
    expect(await refused?.reserve([], request)).toBeInstanceOf(BudgetExceededError);
    refused?.settle(undefined);
    expect((await gov.usage({ stored: false })).keys[0]).toMatchObject({ refused: { rateLimited: 0, budgetExceeded: 1 }, budget: state, window: { inFlight: 0 } });
    // A key with no limits holds nothing, but its cost is counted once, so a budget set on it later sees this spend.
    const free = await gov.admit(caller(virtualKey('key_free', {})), request);
    expect(await free?.reserve([], request)).toBeUndefined();
    free?.settle(traceOf([usage(1, 1)], 0.125));
    free?.settle(traceOf([usage(1, 1)], 0.125));
    expect(charged).toEqual([0.125]);
    expect(settled).toEqual([0.25]);
  });

  it('lists every active key of the store for the admin, filtered by key or team', async () => {
    const stored = [virtualKey('key_s', { rpm: 5 }, 'ops'), { ...virtualKey('key_r', {}), revokedAt: 1 }, virtualKey('key_f', {})];
    const teams = new Map<string, KeyLimits>([['ops', { tpm: 10 }]]);
    const gov = new Governor({ teams: () => teams, keys: () => stored, now: () => START });
    const report = await gov.usage({ stored: true });
    expect(report.keys.map((key) => [key.id, key.window])).toEqual([['key_s', { requests: 0, tokens: 0, inFlight: 0 }], ['key_f', undefined]]);
    expect(report.teams.map((team) => team.id)).toEqual(['ops']);
    expect((await gov.usage({ stored: true, key: 'name-key_f' })).keys.map((key) => key.id)).toEqual(['key_f']);
    expect((await gov.usage({ stored: true, key: 'name-key_f' })).teams).toEqual([]);
  });
});
