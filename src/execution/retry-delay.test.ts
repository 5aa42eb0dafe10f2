import { describe, expect, it } from 'vitest';
import { ProviderConnectionError, ProviderHttpError, ProviderTimeoutError } from '../errors/provider-errors.js';
import type { RetrySettings } from '../spec/reliability.js';
import { retryDelay } from './retry-delay.js';

const SETTINGS: RetrySettings = { maxAttempts: 10, initialDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };
const NO_JITTER = (): number => 0;
const MAX_JITTER = (): number => 0.9999999;
const source = { provider: 'p', model: 'm' };

const reset = new ProviderConnectionError(source, 'reset');

function httpError(status: number, retryAfterMs?: number): ProviderHttpError {
  return new ProviderHttpError({ source, status, message: 'x', retryAfterMs });
}

describe('retryDelay', () => {
  it('doubles the delay with each attempt, starting at initialDelayMs', () => {
    expect(retryDelay(1, reset, SETTINGS, NO_JITTER)).toBe(100);
    expect(retryDelay(2, reset, SETTINGS, NO_JITTER)).toBe(200);
    expect(retryDelay(3, reset, SETTINGS, NO_JITTER)).toBe(400);
    expect(retryDelay(4, reset, SETTINGS, NO_JITTER)).toBe(800);
  });

  it('caps the delay at maxDelayMs', () => {
    expect(retryDelay(5, reset, SETTINGS, NO_JITTER)).toBe(1_000);
    expect(retryDelay(12, reset, SETTINGS, NO_JITTER)).toBe(1_000);
    expect(retryDelay(2_000, reset, SETTINGS, NO_JITTER)).toBe(1_000);
  });

  it('removes at most 25% with jitter', () => {
    expect(retryDelay(1, reset, SETTINGS, MAX_JITTER)).toBe(75);
    expect(retryDelay(3, reset, SETTINGS, MAX_JITTER)).toBe(300);
    expect(retryDelay(9, reset, SETTINGS, MAX_JITTER)).toBe(750);
  });

  it('scales the jitter with the random draw', () => {
    expect(retryDelay(3, reset, SETTINGS, () => 0.5)).toBe(350);
    expect(retryDelay(3, reset, SETTINGS, () => 0.1)).toBe(390);
  });

  it("returns an upstream's retry-after under the cap exactly, whatever the attempt and jitter", () => {
    const error = httpError(429, 1_000);
    expect(retryDelay(1, error, SETTINGS, NO_JITTER)).toBe(1_000);
    expect(retryDelay(4, error, SETTINGS, MAX_JITTER)).toBe(1_000);
  });

  it('honours a retry-after longer than maxDelayMs as long as it is within maxRetryAfterMs', () => {
    expect(retryDelay(1, httpError(503, 4_000), SETTINGS, NO_JITTER)).toBe(4_000);
    expect(retryDelay(1, httpError(503, 5_000), SETTINGS, NO_JITTER)).toBe(5_000);
  });

  it('honours a retry-after of zero', () => {
    expect(retryDelay(3, httpError(429, 0), SETTINGS, NO_JITTER)).toBe(0);
  });

  it('returns undefined (do not wait) for a retry-after over maxRetryAfterMs', () => {
    expect(retryDelay(1, httpError(429, 5_001), SETTINGS, NO_JITTER)).toBeUndefined();
    expect(retryDelay(1, httpError(429, 60_000), SETTINGS, NO_JITTER)).toBeUndefined();
  });

  it('uses backoff for an HTTP error without retry-after', () => {
    expect(retryDelay(2, httpError(503), SETTINGS, NO_JITTER)).toBe(200);
    expect(retryDelay(2, httpError(503), SETTINGS, MAX_JITTER)).toBe(150);
  });

  it('uses backoff for transport errors', () => {
    expect(retryDelay(3, new ProviderTimeoutError(source, 'slow'), SETTINGS, NO_JITTER)).toBe(400);
    expect(retryDelay(3, reset, SETTINGS, NO_JITTER)).toBe(400);
  });
});
