/** A job's hold on its router's daily shadow budget, until it settles at what it cost. */
export type ShadowHold = { router: string; day: number; micros: number };

/** Where the routers' daily shadow budgets are counted: this process (`ShadowLedger`) or every gateway on one Redis (`SharedShadowBudget`). */
export interface ShadowBudget {
  /** Holds `micros` against `limitMicros` for today; undefined when that would pass the limit (or cannot be counted). */
  hold(router: string, micros: number, limitMicros: number): ShadowHold | undefined | Promise<ShadowHold | undefined>;
  /** Replaces a hold with what the job cost, in whole micro-dollars. */
  settle(hold: ShadowHold, micros: number): void;
}

/** The UTC day of `at`, as the ledgers count it. */
export function shadowDayOf(at: number): number {
  return Math.floor(at / DAY_MS);
}

const DAY_MS = 86_400_000;

/**
 * The shadow's own spend per router and UTC day, in whole micro-dollars (so sums are exact): a job
 * holds its worst case before it starts and settles at its real cost, so jobs running at once can
 * never spend past the budget together. In this process only (a reload keeps it; a restart starts
 * the day at 0): with `state.redis`, `SharedShadowBudget` counts it for every gateway. A new UTC day
 * starts from nothing.
 */
export class ShadowLedger implements ShadowBudget {
  private readonly days = new Map<string, { day: number; spent: number; held: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Holds `micros` against `limitMicros` for today; undefined when that would pass the limit. */
  hold(router: string, micros: number, limitMicros: number): ShadowHold | undefined {
    const today = this.today(router);
    if (today.spent + today.held + micros > limitMicros) return undefined;
    today.held += micros;
    return { router, day: today.day, micros };
  }

  /** Replaces a hold with what the job cost (counted on the day it was held, unless that day is over). */
  settle(hold: ShadowHold, micros: number): void {
    const entry = this.days.get(hold.router);
    if (!entry || entry.day !== hold.day) return;
    entry.held -= hold.micros;
    entry.spent += micros;
  }

  /** What the router's shadow spent today, in USD. */
  spentUsd(router: string): number {
    return this.today(router).spent / 1_000_000;
  }

  private today(router: string): { day: number; spent: number; held: number } {
    const day = shadowDayOf(this.now());
    let entry = this.days.get(router);
    if (!entry || entry.day !== day) {
      entry = { day, spent: 0, held: 0 };
      this.days.set(router, entry);
    }
    return entry;
  }
}
