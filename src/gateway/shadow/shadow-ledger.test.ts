import { describe, expect, it } from 'vitest';
import { ShadowLedger } from './shadow-ledger.js';

/** The shadow's daily budget: worst cases held, real costs settled, a new UTC day from nothing. */

const DAY = 86_400_000;

describe('ShadowLedger', () => {
  it('holds worst cases up to the limit, settles at the real cost, and starts each UTC day at 0', () => {
    let now = 10 * DAY + 1_000;
    const ledger = new ShadowLedger(() => now);
    const first = ledger.hold('auto', 600, 1_000);
    expect(first).toBeDefined();
    // Held, not yet spent: a second worst case of 600 would pass the limit with the first.
    expect(ledger.hold('auto', 600, 1_000)).toBeUndefined();
    // Another router has its own budget.
    expect(ledger.hold('other', 600, 1_000)).toBeDefined();
    ledger.settle(first as NonNullable<typeof first>, 100);
    expect(ledger.spentUsd('auto')).toBe(0.0001);
    const second = ledger.hold('auto', 600, 1_000);
    expect(second).toBeDefined();
    ledger.settle(second as NonNullable<typeof second>, 300);
    expect(ledger.hold('auto', 601, 1_000)).toBeUndefined();
    expect(ledger.hold('auto', 600, 1_000)).toBeDefined();

    // Midnight UTC: the day's spend and holds are gone; a hold of the day before settles into nothing.
    const late = ledger.hold('other', 400, 1_000);
    now = 11 * DAY;
    expect(ledger.spentUsd('auto')).toBe(0);
    expect(ledger.hold('auto', 1_000, 1_000)).toBeDefined();
    ledger.settle(late as NonNullable<typeof late>, 400);
    expect(ledger.spentUsd('other')).toBe(0);
  });
});
