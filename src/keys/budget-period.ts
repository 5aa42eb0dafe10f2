import type { BudgetPeriod } from './virtual-key.js';

/** How budget periods are counted (`budgets:` of the config). */
export type BudgetClock = { reset: 'calendar' | 'rolling'; timezone: string };

/** The span a budget counts spend over at some instant: `[start, end)` in epoch ms. */
export type PeriodSpan = { readonly start: number; readonly end: number };

/**
 * Spend is kept in buckets of this many ms. Every time zone in use today is a whole number of
 * quarter hours from UTC, so a local midnight is a bucket boundary and a calendar period is a
 * whole number of buckets; a rolling window is at most one bucket short of its length.
 */
export const SPEND_BUCKET_MS = 15 * 60_000;

const DAY_MS = 24 * 3_600_000;

/** Spend older than the longest period (a 31-day month, a 30-day rolling window) counts nowhere and is dropped. */
export const SPEND_KEEP_MS = 32 * DAY_MS;
const ROLLING_MS: Record<BudgetPeriod, number> = { day: DAY_MS, week: 7 * DAY_MS, month: 30 * DAY_MS };

/** The start of the spend bucket holding `at`. */
export function bucketOf(at: number): number {
  return Math.floor(at / SPEND_BUCKET_MS) * SPEND_BUCKET_MS;
}

/**
 * The period of a budget at `now`. Calendar: the local day, week (from Monday) or month of
 * `clock.timezone` holding `now`, bounded by local midnights (a day is 23 or 25 hours long across a
 * DST change). Rolling: the last 24 hours, 7 or 30 days, in whole buckets up to the one holding
 * `now`; its `end` is when the oldest of them leaves the window.
 */
export function budgetPeriodAt(period: BudgetPeriod, clock: BudgetClock, now: number): PeriodSpan {
  if (clock.reset === 'rolling') {
    const start = bucketOf(now) + SPEND_BUCKET_MS - ROLLING_MS[period];
    return { start, end: start + ROLLING_MS[period] };
  }
  // The calendar arithmetic (Intl's time zones) costs microseconds: a period is computed once and
  // reused while `now` is inside it (every request of a keyed gateway asks).
  const key = `${period} ${clock.timezone}`;
  const held = calendarSpans.get(key);
  if (held !== undefined && now >= held.start && now < held.end) return held;
  const span = calendarPeriodAt(period, clock.timezone, now);
  calendarSpans.set(key, span);
  return span;
}

const calendarSpans = new Map<string, PeriodSpan>();

function calendarPeriodAt(period: BudgetPeriod, timezone: string, now: number): PeriodSpan {
  const local = localDate(now, timezone);
  if (period === 'day') {
    return { start: localMidnight(local.year, local.month, local.day, timezone), end: localMidnight(local.year, local.month, local.day + 1, timezone) };
  }
  if (period === 'week') {
    const sinceMonday = (local.weekday + 6) % 7;
    const monday = local.day - sinceMonday;
    return { start: localMidnight(local.year, local.month, monday, timezone), end: localMidnight(local.year, local.month, monday + 7, timezone) };
  }
  return { start: localMidnight(local.year, local.month, 1, timezone), end: localMidnight(local.year, local.month + 1, 1, timezone) };
}

type LocalDate = { year: number; month: number; day: number; weekday: number };

const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(timezone: string): Intl.DateTimeFormat {
  let format = formats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(timezone, format);
  }
  return format;
}

/** The wall-clock fields of `at` in `timezone`, as the epoch ms they would be in UTC. */
function wallClock(at: number, timezone: string): number {
  const fields = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of formatOf(timezone).formatToParts(at)) if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  return Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
}

/** The local calendar date of `at` in `timezone` (month 1-12, weekday 0 = Sunday). */
function localDate(at: number, timezone: string): LocalDate {
  const wall = new Date(wallClock(at, timezone));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate(), weekday: wall.getUTCDay() };
}

/**
 * The instant of local midnight starting `year-month-day` in `timezone` (day and month may run over:
 * Date.UTC carries them). The zone's offset is read at a first guess and again at the corrected
 * instant, which settles it unless midnight itself is skipped by a DST change (then the first
 * instant of the day is taken).
 */
function localMidnight(year: number, month: number, day: number, timezone: string): number {
  const wanted = Date.UTC(year, month - 1, day);
  let guess = wanted - (wallClock(wanted, timezone) - wanted);
  const corrected = wanted - (wallClock(guess, timezone) - guess);
  if (corrected !== guess) guess = wallClock(corrected, timezone) === wanted ? corrected : Math.max(guess, corrected);
  return guess;
}
