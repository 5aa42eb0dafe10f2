import { describe, expect, it } from 'vitest';
import { sleep } from './sleep.js';

describe('sleep', () => {
  it('is true when the whole wait ran', async () => {
    expect(await sleep(5, new AbortController().signal)).toBe(true);
    expect(await sleep(0, new AbortController().signal)).toBe(true);
  });

  it('is false, at once, when the signal aborts during the wait or had aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(60_000, controller.signal);
    setTimeout(() => controller.abort(), 5);
    expect(await waiting).toBe(false);
    expect(await sleep(60_000, controller.signal)).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
