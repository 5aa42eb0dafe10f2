import { describe, expect, it } from 'vitest';
import { budgetPeriodAt, SPEND_BUCKET_MS } from './budget-period.js';

const paris = { reset: 'calendar', timezone: 'Europe/Paris' } as const;
const HOUR = 3_600_000;

describe('budgetPeriodAt', () => {
  it('bounds a calendar day in UTC by its midnights', () => {
    const span = budgetPeriodAt('day', { reset: 'calendar', timezone: 'UTC' }, Date.parse('2026-03-10T15:30:00Z'));
    expect(span).toEqual({ start: Date.parse('2026-03-10T00:00:00Z'), end: Date.parse('2026-03-11T00:00:00Z') });
  });

  it('bounds a Paris day by local midnights, 23 hours on the day DST starts', () => {
    // 2026-03-29: Paris goes from UTC+1 to UTC+2 at 02:00 local.
    const span = budgetPeriodAt('day', paris, Date.parse('2026-03-29T12:00:00Z'));
    expect(new Date(span.start).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(new Date(span.end).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(span.end - span.start).toBe(23 * HOUR);
  });

  it('makes the Paris day DST ends 25 hours long, and puts the instant before local midnight in the previous day', () => {
    const span = budgetPeriodAt('day', paris, Date.parse('2026-10-25T10:00:00Z'));
    expect(new Date(span.start).toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(span.end - span.start).toBe(25 * HOUR);
    const before = budgetPeriodAt('day', paris, Date.parse('2026-10-24T21:59:59Z'));
    expect(before.end).toBe(span.start);
  });

  it('starts a day whose local midnight a DST change skips at its first instant (Beirut: 00:00 becomes 01:00)', () => {
    const span = budgetPeriodAt('day', { reset: 'calendar', timezone: 'Asia/Beirut' }, Date.parse('2026-03-29T10:00:00Z'));
    expect(new Date(span.start).toISOString()).toBe('2026-03-28T22:00:00.000Z');
    expect(span.end - span.start).toBe(23 * HOUR);
  });

  it('starts a week on Monday local time and a month on the 1st', () => {
    // Sunday 2026-03-29 in Paris belongs to the week of Monday 2026-03-23.
    const week = budgetPeriodAt('week', paris, Date.parse('2026-03-29T21:00:00Z'));
    expect(new Date(week.start).toISOString()).toBe('2026-03-22T23:00:00.000Z');
    expect(new Date(week.end).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    const month = budgetPeriodAt('month', paris, Date.parse('2026-03-31T22:30:00Z'));
    // 00:30 on April 1st in Paris: April.
    expect(new Date(month.start).toISOString()).toBe('2026-03-31T22:00:00.000Z');
    expect(new Date(month.end).toISOString()).toBe('2026-04-30T22:00:00.000Z');
    const december = budgetPeriodAt('month', { reset: 'calendar', timezone: 'UTC' }, Date.parse('2026-12-15T00:00:00Z'));
    expect(new Date(december.end).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('keeps a rolling window of the period length in whole buckets up to now', () => {
    const now = Date.parse('2026-03-10T15:31:00Z');
    const span = budgetPeriodAt('day', { reset: 'rolling', timezone: 'UTC' }, now);
    expect(span.end - span.start).toBe(24 * HOUR);
    expect(new Date(span.start).toISOString()).toBe('2026-03-09T15:45:00.000Z');
    expect(span.start % SPEND_BUCKET_MS).toBe(0);
    expect(span.end).toBeGreaterThan(now);
  });
});
