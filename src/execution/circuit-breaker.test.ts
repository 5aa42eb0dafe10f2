import { describe, expect, it } from 'vitest';
import type { CircuitBreakerSettings } from '../spec/reliability.js';
import { CircuitBreaker, CircuitBreakers } from './circuit-breaker.js';

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void } {
  let time = start;
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
    set: (ms) => {
      time = ms;
    },
  };
}

/** Only the consecutive-failure trigger can fire: the rate one needs more calls than any test makes. */
const CONSECUTIVE: CircuitBreakerSettings = { consecutiveFailures: 3, errorRate: 1, windowMs: 1_000, minRequests: 1_000, cooldownMs: 500 };

/** Only the error-rate trigger can fire. */
const RATE: CircuitBreakerSettings = { consecutiveFailures: 1_000, errorRate: 0.5, windowMs: 1_000, minRequests: 4, cooldownMs: 500 };

function failTimes(breaker: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i++) breaker.recordFailure();
}

describe('CircuitBreaker', () => {
  it('is closed by default and lets calls through', () => {
    const breaker = new CircuitBreaker(CONSECUTIVE, manualClock().now);
    expect(breaker.state()).toBe('closed');
    expect(breaker.acquire()).toBeDefined();
    expect(breaker.acquire()).toBeDefined();
    expect(breaker.retryAt()).toBeUndefined();
  });

  it('opens after consecutiveFailures failures in a row, not before', () => {
    const breaker = new CircuitBreaker(CONSECUTIVE, manualClock().now);
    failTimes(breaker, 2);
    expect(breaker.state()).toBe('closed');
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
  });

  it('restarts the run of consecutive failures after a success', () => {
    const breaker = new CircuitBreaker(CONSECUTIVE, manualClock().now);
    failTimes(breaker, 2);
    breaker.recordSuccess();
    failTimes(breaker, 2);
    expect(breaker.state()).toBe('closed');
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
  });

  it('opens when the failure rate in the window reaches errorRate once minRequests calls are in it', () => {
    const breaker = new CircuitBreaker(RATE, manualClock().now);
    breaker.recordSuccess();
    breaker.recordFailure();
    breaker.recordSuccess();
    expect(breaker.state()).toBe('closed');
    breaker.recordFailure(); // 2 of 4 failed: 50%
    expect(breaker.state()).toBe('open');
  });

  it('does not open on the error rate before minRequests calls are in the window', () => {
    const breaker = new CircuitBreaker(RATE, manualClock().now);
    failTimes(breaker, 3); // 100% failed, but only 3 calls
    expect(breaker.state()).toBe('closed');
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
  });

  it('does not open on an error rate under errorRate', () => {
    const breaker = new CircuitBreaker(RATE, manualClock().now);
    breaker.recordSuccess();
    breaker.recordSuccess();
    breaker.recordSuccess();
    breaker.recordFailure(); // 1 of 4
    breaker.recordSuccess();
    breaker.recordFailure(); // 2 of 6
    expect(breaker.state()).toBe('closed');
  });

  it('forgets outcomes older than windowMs', () => {
    const clock = manualClock(0);
    const breaker = new CircuitBreaker(RATE, clock.now);
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess();
    // The outcomes at t=0 are now out of the window (and their bucket has not been reused).
    clock.set(RATE.windowMs + RATE.windowMs / 10);
    breaker.recordSuccess();
    breaker.recordSuccess();
    breaker.recordSuccess();
    breaker.recordFailure(); // 1 of 4 in the window; 4 of 8 if the old ones still counted
    expect(breaker.state()).toBe('closed');
  });

  it('forgets outcomes exactly windowMs old', () => {
    const clock = manualClock(0);
    const breaker = new CircuitBreaker(RATE, clock.now);
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess();
    clock.set(RATE.windowMs);
    breaker.recordFailure(); // 1 of 1: fewer than minRequests
    expect(breaker.state()).toBe('closed');
  });

  it('still counts outcomes less than windowMs old', () => {
    const clock = manualClock(0);
    const breaker = new CircuitBreaker(RATE, clock.now);
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess();
    clock.set(RATE.windowMs - 1);
    breaker.recordFailure(); // 3 of 4 in the window
    expect(breaker.state()).toBe('open');
  });

  it('while open refuses calls and reports the end of the cooldown as retryAt', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker(CONSECUTIVE, clock.now);
    const openedAt = clock.now();
    failTimes(breaker, 3);
    expect(breaker.acquire()).toBeUndefined();
    expect(breaker.retryAt()).toBe(openedAt + CONSECUTIVE.cooldownMs);
    clock.advance(CONSECUTIVE.cooldownMs - 1);
    expect(breaker.state()).toBe('open');
    expect(breaker.acquire()).toBeUndefined();
  });

  it('is half-open after the cooldown and lets exactly one probe through', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker(CONSECUTIVE, clock.now);
    failTimes(breaker, 3);
    clock.advance(CONSECUTIVE.cooldownMs);
    expect(breaker.state()).toBe('half_open');
    expect(breaker.retryAt()).toBeUndefined();
    expect(breaker.acquire()).toBeDefined();
    expect(breaker.acquire()).toBeUndefined();
    clock.advance(10_000);
    expect(breaker.acquire()).toBeUndefined();
  });

  it('closes when the probe succeeds', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker(CONSECUTIVE, clock.now);
    failTimes(breaker, 3);
    clock.advance(CONSECUTIVE.cooldownMs);
    expect(breaker.acquire()).toBeDefined();
    breaker.recordSuccess();
    expect(breaker.state()).toBe('closed');
    expect(breaker.acquire()).toBeDefined();
    expect(breaker.acquire()).toBeDefined();
  });

  it('clears the consecutive-failure count when a probe closes it', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker(CONSECUTIVE, clock.now);
    failTimes(breaker, 3);
    clock.advance(CONSECUTIVE.cooldownMs);
    breaker.acquire();
    breaker.recordSuccess();
    failTimes(breaker, 2);
    expect(breaker.state()).toBe('closed');
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
  });

  it('clears the window when a probe closes it', () => {
    const clock = manualClock(0);
    const breaker = new CircuitBreaker(RATE, clock.now);
    breaker.recordSuccess();
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
    clock.set(RATE.cooldownMs); // still inside the window of the outcomes above
    breaker.acquire();
    breaker.recordSuccess();
    breaker.recordFailure(); // 1 of 1 after the reset; 3 of 6 if the old outcomes were kept
    expect(breaker.state()).toBe('closed');
  });

  it('re-opens, from the time of the failure, for a cooldown twice as long when the probe fails', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker(CONSECUTIVE, clock.now);
    failTimes(breaker, 3);
    clock.advance(CONSECUTIVE.cooldownMs + 123);
    expect(breaker.acquire()).toBeDefined();
    const probeFailedAt = clock.now();
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
    expect(breaker.retryAt()).toBe(probeFailedAt + 2 * CONSECUTIVE.cooldownMs);
    expect(breaker.acquire()).toBeUndefined();
    clock.advance(2 * CONSECUTIVE.cooldownMs - 1);
    expect(breaker.acquire()).toBeUndefined();
    clock.advance(1);
    expect(breaker.state()).toBe('half_open');
    expect(breaker.acquire()).toBeDefined();
  });

  it('doubles the cooldown with each failed probe up to 10 times the configured one, and starts over once a probe succeeds', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker(CONSECUTIVE, clock.now);
    failTimes(breaker, 3);
    const cooldowns: number[] = [CONSECUTIVE.cooldownMs];
    for (let probe = 0; probe < 5; probe++) {
      clock.set(breaker.retryAt() ?? 0);
      breaker.recordFailure(breaker.acquire());
      cooldowns.push((breaker.retryAt() ?? 0) - clock.now());
    }
    expect(cooldowns.map((ms) => ms / CONSECUTIVE.cooldownMs)).toEqual([1, 2, 4, 8, 10, 10]);
    clock.set(breaker.retryAt() ?? 0);
    breaker.recordSuccess(breaker.acquire());
    failTimes(breaker, 3);
    expect(breaker.retryAt()).toBe(clock.now() + CONSECUTIVE.cooldownMs);
  });

  it('admits one probe at a time however many callers ask while it runs, and none at all while open', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker(CONSECUTIVE, clock.now);
    failTimes(breaker, 3);
    const asks = (): number => Array.from({ length: 100 }, () => breaker.acquire()).filter((permit) => permit !== undefined).length;
    expect(asks()).toBe(0);
    clock.advance(CONSECUTIVE.cooldownMs);
    expect(asks()).toBe(1);
    expect(asks()).toBe(0);
  });

  it('frees the probe slot on release() without changing the state', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker(CONSECUTIVE, clock.now);
    failTimes(breaker, 3);
    clock.advance(CONSECUTIVE.cooldownMs);
    expect(breaker.acquire()).toBeDefined();
    breaker.release();
    expect(breaker.state()).toBe('half_open');
    expect(breaker.acquire()).toBeDefined();
    expect(breaker.acquire()).toBeUndefined();
  });

  // LLM calls last minutes, so outcomes arrive late: a call admitted while the circuit was closed
  // must not be taken for the probe's result once the circuit has opened and half-opened.
  it('a late failure of a call admitted while closed does not free the slot of a running probe', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker(CONSECUTIVE, clock.now);
    const early = breaker.acquire(); // call A, admitted while closed
    expect(early).toEqual({ epoch: 0, probe: false });
    failTimes(breaker, 3); // three other calls fail: open
    clock.advance(CONSECUTIVE.cooldownMs);
    expect(breaker.acquire()).toEqual({ epoch: 1, probe: true }); // the probe
    breaker.recordFailure(early); // call A fails, late
    expect(breaker.state()).toBe('half_open'); // no fresh cooldown either
    clock.advance(CONSECUTIVE.cooldownMs);
    expect(breaker.acquire()).toBeUndefined(); // the probe has not reported yet
  });

  it('a late success of a call admitted while closed does not close an open circuit', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker(CONSECUTIVE, clock.now);
    const early = breaker.acquire();
    failTimes(breaker, 3);
    breaker.recordSuccess(early);
    expect(breaker.state()).toBe('open');
  });

  it('the probe permit decides: its success closes, its failure re-opens for a fresh (doubled) cooldown', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker(CONSECUTIVE, clock.now);
    failTimes(breaker, 3);
    clock.advance(CONSECUTIVE.cooldownMs);
    const probe = breaker.acquire();
    breaker.recordFailure(probe);
    expect(breaker.retryAt()).toBe(clock.now() + 2 * CONSECUTIVE.cooldownMs);
    clock.advance(2 * CONSECUTIVE.cooldownMs);
    const second = breaker.acquire();
    expect(second?.probe).toBe(true);
    breaker.recordSuccess(second);
    expect(breaker.state()).toBe('closed');
  });
});

describe('CircuitBreakers', () => {
  const models = [
    { name: 'alpha', reliability: { circuitBreaker: CONSECUTIVE } },
    { name: 'beta', reliability: { circuitBreaker: { ...CONSECUTIVE, cooldownMs: 2_000 } } },
  ];

  it('has one breaker per model and none for unknown models', () => {
    const breakers = new CircuitBreakers(models, manualClock().now);
    expect(breakers.get('alpha')).toBeInstanceOf(CircuitBreaker);
    expect(breakers.get('beta')).toBeInstanceOf(CircuitBreaker);
    expect(breakers.get('alpha')).not.toBe(breakers.get('beta'));
    expect(breakers.get('gamma')).toBeUndefined();
  });

  it('openUntil is undefined for closed and unknown models', () => {
    const breakers = new CircuitBreakers(models, manualClock().now);
    expect(breakers.openUntil('alpha')).toBeUndefined();
    expect(breakers.openUntil('gamma')).toBeUndefined();
  });

  it("openUntil is the end of an open model's cooldown, with each model's own settings", () => {
    const clock = manualClock();
    const breakers = new CircuitBreakers(models, clock.now);
    const start = clock.now();
    failTimes(breakers.get('alpha') as CircuitBreaker, 3);
    failTimes(breakers.get('beta') as CircuitBreaker, 3);
    expect(breakers.openUntil('alpha')).toBe(start + 500);
    expect(breakers.openUntil('beta')).toBe(start + 2_000);
  });

  it('openUntil is undefined once the cooldown is over (half-open)', () => {
    const clock = manualClock();
    const breakers = new CircuitBreakers(models, clock.now);
    failTimes(breakers.get('alpha') as CircuitBreaker, 3);
    clock.advance(500);
    expect(breakers.openUntil('alpha')).toBeUndefined();
  });

  it('retryAfterMs: how long until one of the models lets a call through; 1 s while a probe runs; undefined when none is in the way', () => {
    const clock = manualClock();
    const breakers = new CircuitBreakers(models, clock.now);
    expect(breakers.retryAfterMs(['alpha', 'beta', 'gamma'])).toBeUndefined();
    failTimes(breakers.get('alpha') as CircuitBreaker, 3);
    failTimes(breakers.get('beta') as CircuitBreaker, 3);
    clock.advance(200);
    expect(breakers.retryAfterMs(['alpha', 'beta'])).toBe(300);
    expect(breakers.retryAfterMs(['beta'])).toBe(1_800);
    clock.advance(300);
    breakers.get('alpha')?.acquire();
    expect(breakers.retryAfterMs(['alpha', 'beta'])).toBe(1_000);
  });

  it('states() reports the state of every model', () => {
    const clock = manualClock();
    const breakers = new CircuitBreakers(models, clock.now);
    expect(breakers.states()).toEqual(
      new Map([
        ['alpha', 'closed'],
        ['beta', 'closed'],
      ]),
    );
    failTimes(breakers.get('alpha') as CircuitBreaker, 3);
    failTimes(breakers.get('beta') as CircuitBreaker, 3);
    clock.advance(500);
    expect(breakers.states()).toEqual(
      new Map([
        ['alpha', 'half_open'],
        ['beta', 'open'],
      ]),
    );
  });
});
