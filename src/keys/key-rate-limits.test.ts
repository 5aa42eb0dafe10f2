import { describe, expect, it } from 'vitest';
import type { KeyRateLimitError } from '../errors/request-errors.js';
import { admitRate, CONCURRENCY_RETRY_MS, RATE_WINDOW_MS, RateScope, type LimitedScope, type RateTicket } from './key-rate-limits.js';
import type { KeyLimits } from './virtual-key.js';

const START = 1_000_000;

function admitted(scopes: LimitedScope[], tokens: number, now: number): RateTicket {
  const result = admitRate(scopes, tokens, now);
  if (!result.ok) throw result.error;
  return result.ticket;
}

function refused(scopes: LimitedScope[], tokens: number, now: number): KeyRateLimitError {
  const result = admitRate(scopes, tokens, now);
  if (result.ok) throw new Error('admitted');
  return result.error;
}

const keyScope = (limits: KeyLimits): LimitedScope => ({ scope: new RateScope('key', 'key_1', 'key "app"'), limits });

describe('admitRate', () => {
  it('admits rpm requests a minute, counting down what remains, then refuses until the oldest leaves the window', () => {
    const scopes = [keyScope({ rpm: 3 })];
    const remaining: number[] = [];
    for (let index = 0; index < 3; index++) {
      const result = admitRate(scopes, 10, START + index * 1_000);
      if (!result.ok) throw result.error;
      remaining.push(result.rateLimit?.requests?.remaining ?? -1);
    }
    expect(remaining).toEqual([2, 1, 0]);
    const error = refused(scopes, 10, START + 5_000);
    expect(error.retryAfterMs).toBe(RATE_WINDOW_MS - 5_000);
    expect(error.rateLimit.requests).toEqual({ limit: 3, remaining: 0, resetMs: RATE_WINDOW_MS - 5_000 + 2_000 });
    expect(error.message).toBe(`Rate limit reached: key "app"'s limit of 3 requests per minute (rpm). Try again in 55s.`);
    // Refused, nothing was counted: one ms before the first is a minute old it is still full, at the minute one frees.
    expect(admitRate(scopes, 10, START + RATE_WINDOW_MS - 1).ok).toBe(false);
    expect(admitRate(scopes, 10, START + RATE_WINDOW_MS).ok).toBe(true);
    expect(scopes[0]?.scope.log.requests(START + RATE_WINDOW_MS)).toBe(3);
  });

  it('counts input tokens at admission and replaces them with the real count at settle', () => {
    const scopes = [keyScope({ tpm: 1_000 })];
    const first = admitted(scopes, 400, START);
    admitted(scopes, 400, START + 10_000);
    const error = refused(scopes, 400, START + 20_000);
    // Room for 400 more once the first leaves the window.
    expect(error.retryAfterMs).toBe(RATE_WINDOW_MS - 20_000);
    expect(error.rateLimit.tokens).toMatchObject({ limit: 1_000, remaining: 200 });
    // The first really used 100 tokens: now 400 more fit.
    first.settle(100);
    first.settle(900);
    expect(scopes[0]?.scope.log.tokens(START + 20_000)).toBe(500);
    expect(admitRate(scopes, 400, START + 20_000).ok).toBe(true);
    // A request estimated over the whole limit waits for an empty window rather than never passing.
    const huge = refused(scopes, 5_000, START + 30_000);
    expect(huge.retryAfterMs).toBe(START + 20_000 + RATE_WINDOW_MS - (START + 30_000));
  });

  it('holds a slot per request in flight until it settles, once', () => {
    const scopes = [keyScope({ maxConcurrent: 2 })];
    const first = admitted(scopes, 1, START);
    admitted(scopes, 1, START);
    const error = refused(scopes, 1, START);
    expect(error.retryAfterMs).toBe(CONCURRENCY_RETRY_MS);
    expect(error.rateLimit.concurrent).toMatchObject({ limit: 2, remaining: 0 });
    first.settle(undefined);
    first.settle(undefined);
    expect(scopes[0]?.scope.inFlight).toBe(1);
    expect(admitRate(scopes, 1, START).ok).toBe(true);
    expect(admitRate(scopes, 1, START).ok).toBe(false);
  });

  it('admits only when the key and its team both have room, counting in both or neither', () => {
    const team = { scope: new RateScope('team', 'billing', 'team "billing"'), limits: { rpm: 3 } };
    const a = [keyScope({ rpm: 2 }), team];
    const b = [keyScope({}), team];
    admitted(a, 1, START);
    admitted(a, 1, START);
    // a's own limit refuses it: the team counts nothing for it.
    const error = refused(a, 1, START);
    expect(error.message).toContain(`key "app"'s limit of 2`);
    expect(team.scope.log.requests(START)).toBe(2);
    admitted(b, 1, START);
    const teamFull = refused(b, 1, START);
    expect(teamFull.message).toContain(`team "billing"'s limit of 3 requests per minute`);
    expect(b[0]?.scope.log.requests(START)).toBe(1);
  });

  it('shows the tightest of the key and team limits in the snapshot', () => {
    const team = { scope: new RateScope('team', 'billing', 'team "billing"'), limits: { rpm: 10, tpm: 50 } };
    const result = admitRate([keyScope({ rpm: 5, tpm: 1_000 }), team], 20, START);
    expect(result.ok && result.rateLimit).toEqual({
      requests: { limit: 5, remaining: 4, resetMs: RATE_WINDOW_MS },
      tokens: { limit: 50, remaining: 30, resetMs: RATE_WINDOW_MS },
    });
  });

  it('is exact when admissions and settles interleave: never more than the limit in flight or in the window', () => {
    const scopes = [keyScope({ rpm: 50, maxConcurrent: 5 })];
    const open: RateTicket[] = [];
    let admittedCount = 0;
    let now = START;
    for (let step = 0; step < 2_000; step++) {
      now += 100;
      const result = admitRate(scopes, 1, now);
      if (result.ok) {
        admittedCount++;
        open.push(result.ticket);
      }
      // Settle one in three steps: the slots run out, then free one at a time.
      if (step % 3 === 0) open.shift()?.settle(1);
      expect(scopes[0]?.scope.inFlight).toBe(open.length);
      expect(open.length).toBeLessThanOrEqual(5);
      expect(scopes[0]?.scope.log.requests(now)).toBeLessThanOrEqual(50);
    }
    // Slots free faster (one every 300 ms) than rpm allows: 50 in each started minute of the 200 s.
    expect(admittedCount).toBe(200);
  });
});
