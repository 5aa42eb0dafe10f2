import { BudgetExceededError } from '../errors/execution-errors.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { BudgetState } from '../spec/decision.js';
import type { Step } from '../spec/step.js';
import type { BudgetGate, BudgetHold, BudgetScopes } from './admission.js';
import { bucketOf, budgetPeriodAt, SPEND_BUCKET_MS, SPEND_KEEP_MS, type BudgetClock } from './budget-period.js';
import type { BudgetPeriod } from './virtual-key.js';
import { toMicros, worstCaseMicros } from './worst-case-cost.js';

/** Whose spend: a virtual key (by id) or a team (by name). */
export type SpendScope = 'key' | 'team';

/** Settled spend of one scope in one bucket (`SPEND_BUCKET_MS` from `bucketStart`), as stored. */
export type SpendRecord = { scope: SpendScope; id: string; bucketStart: number; micros: number };

/** Settled spend crossed a share of a budget (`threshold`: 0.5, 0.8 or 1). */
export type BudgetAlert = {
  scope: SpendScope;
  id: string;
  keyId: string;
  keyName: string;
  team: string | undefined;
  threshold: number;
  spentUsd: number;
  limitUsd: number;
  period: BudgetPeriod;
};

export type BudgetLedgerOptions = {
  clock: BudgetClock;
  now?: () => number;
  /** Spend settled before this process started (the store's, for the periods still open). */
  spent?: Iterable<SpendRecord>;
  onAlert?: (alert: BudgetAlert) => void;
};

const PERIOD_WORDS: Record<BudgetPeriod, string> = { day: 'daily', week: 'weekly', month: 'monthly' };

export const ALERT_THRESHOLDS = [0.5, 0.8, 1] as const;


export type Budget = { micros: number; usd: number; period: BudgetPeriod };

/** One key's or team's spend: settled, by bucket, and held by requests in flight. */
class Account {
  readonly buckets = new Map<number, number>();
  held = 0;
  private window: { period: BudgetPeriod; start: number; end: number; validUntil: number; spent: number; oldest: number | undefined } | undefined;

  constructor(private readonly clock: BudgetClock) {}

  /** Settled spend in the period holding `now`, and when that period (or, rolling, its oldest spend) ends. */
  spentIn(period: BudgetPeriod, now: number): { spent: number; end: number } {
    const window = this.windowAt(period, now);
    const end = this.clock.reset === 'rolling' ? (window.oldest ?? bucketOf(now)) + (window.end - window.start) : window.end;
    return { spent: window.spent, end };
  }

  add(micros: number, now: number): void {
    const bucket = bucketOf(now);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + micros);
    if (this.window && now < this.window.validUntil && bucket >= this.window.start) {
      this.window.spent += micros;
      this.window.oldest ??= bucket;
    }
  }

  /** The period's sum is kept and recomputed from the buckets only when the period moves on (calendar) or a bucket passes (rolling). */
  private windowAt(period: BudgetPeriod, now: number) {
    if (this.window && this.window.period === period && now >= this.window.start && now < this.window.validUntil) return this.window;
    const span = budgetPeriodAt(period, this.clock, now);
    let spent = 0;
    let oldest: number | undefined;
    for (const [bucket, micros] of this.buckets) {
      if (bucket < now - SPEND_KEEP_MS) this.buckets.delete(bucket);
      else if (bucket >= span.start && bucket < span.end) {
        spent += micros;
        if (micros > 0 && (oldest === undefined || bucket < oldest)) oldest = bucket;
      }
    }
    const validUntil = this.clock.reset === 'rolling' ? bucketOf(now) + SPEND_BUCKET_MS : span.end;
    this.window = { period, start: span.start, end: span.end, validUntil, spent, oldest };
    return this.window;
  }
}

/**
 * The budgets of keys and teams, in whole micro-dollars so that sums are exact. A request holds its
 * worst case against its key's and its team's budgets at once or not at all (`reserve` is
 * synchronous: in one process no other request runs between the check and the hold, so settled
 * spend plus holds never pass a limit); its settle replaces the hold with the real cost. Spend is
 * counted for the key and its team whether or not they have a budget, so a budget set later, or a
 * team's, sees all of it.
 */
export class BudgetLedger implements BudgetGate {
  private readonly accounts = new Map<string, Account>();
  private readonly now: () => number;

  constructor(private readonly options: BudgetLedgerOptions) {
    this.now = options.now ?? Date.now;
    for (const record of options.spent ?? []) {
      const buckets = this.account(record.scope, record.id).buckets;
      buckets.set(record.bucketStart, (buckets.get(record.bucketStart) ?? 0) + record.micros);
    }
  }

  state(scopes: BudgetScopes): BudgetState | undefined {
    const now = this.now();
    let tightest: BudgetState | undefined;
    for (const { scope, id, budget } of budgetsOf(scopes)) {
      const state = this.stateOf(scope, id, budget, now);
      if (!tightest || state.fraction > tightest.fraction) tightest = state;
    }
    return tightest;
  }

  reserve(scopes: BudgetScopes, steps: readonly Step[], request: ChatRequest): BudgetHold | BudgetExceededError {
    const now = this.now();
    const needed = worstCaseMicros(steps, request) ?? 0;
    for (const { scope, id, budget } of budgetsOf(scopes)) {
      const account = this.account(scope, id);
      const { spent, end } = account.spentIn(budget.period, now);
      if (spent + account.held + needed > budget.micros) {
        return budgetExceeded(scopes, this.stateOf(scope, id, budget, now), { spent, held: account.held, needed }, Math.max(0, end - now));
      }
    }
    const held = scopesOf(scopes).map(({ scope, id }) => this.account(scope, id));
    for (const account of held) account.held += needed;
    let open = true;
    return {
      settle: (costUsd) => {
        if (!open) return;
        open = false;
        for (const account of held) account.held -= needed;
        this.charge(scopes, costUsd);
      },
    };
  }

  /** Every bucket of settled spend this ledger knows (the store's at start, and since), e.g. to seed a shared state that lost its own. */
  records(): SpendRecord[] {
    const records: SpendRecord[] = [];
    for (const [name, account] of this.accounts) {
      const colon = name.indexOf(':');
      const scope = name.slice(0, colon) as SpendScope;
      for (const [bucketStart, micros] of account.buckets) records.push({ scope, id: name.slice(colon + 1), bucketStart, micros });
    }
    return records;
  }

  /** Settled spend of a key or team in its period at now, in micro-dollars (`period`: the budget's, else a month). */
  spentMicros(scope: SpendScope, id: string, period: BudgetPeriod = 'month'): number {
    return this.accounts.get(`${scope}:${id}`)?.spentIn(period, this.now()).spent ?? 0;
  }

  charge(scopes: BudgetScopes, costUsd: number | undefined): void {
    if (costUsd === undefined) return;
    const micros = toMicros(costUsd);
    const now = this.now();
    const budgets = budgetsOf(scopes);
    for (const { scope, id } of scopesOf(scopes)) {
      const account = this.account(scope, id);
      const budget = budgets.find((entry) => entry.scope === scope)?.budget;
      const before = budget ? account.spentIn(budget.period, now).spent : 0;
      account.add(micros, now);
      if (!budget || !this.options.onAlert) continue;
      for (const threshold of crossedThresholds(before, before + micros, budget.micros)) {
        this.options.onAlert({ scope, id, keyId: scopes.key.id, keyName: scopes.key.name, team: scopes.key.team, threshold, spentUsd: (before + micros) / 1_000_000, limitUsd: budget.usd, period: budget.period });
      }
    }
  }

  private stateOf(scope: SpendScope, id: string, budget: Budget, now: number): BudgetState {
    const account = this.account(scope, id);
    const { spent, end } = account.spentIn(budget.period, now);
    return budgetState(scope, id, budget, spent, account.held, end);
  }

  private account(scope: SpendScope, id: string): Account {
    const name = `${scope}:${id}`;
    let account = this.accounts.get(name);
    if (!account) {
      account = new Account(this.options.clock);
      this.accounts.set(name, account);
    }
    return account;
  }
}

/** A budget's standing with `spent` settled and `held` by requests in flight (micro-dollars), its period ending at `end`. */
export function budgetState(scope: SpendScope, id: string, budget: Budget, spent: number, held: number, end: number): BudgetState {
  const used = spent + held;
  const fraction = budget.micros === 0 ? (used > 0 ? Infinity : 0) : used / budget.micros;
  return { scope, id, limitUsd: budget.usd, spentUsd: spent / 1_000_000, reservedUsd: held / 1_000_000, fraction, period: budget.period, periodEnd: end };
}

/** Where a request's spend counts: its key and, when it has one, its team. */
export function scopesOf(scopes: BudgetScopes): { scope: SpendScope; id: string }[] {
  const team = scopes.key.team;
  return team === undefined ? [{ scope: 'key', id: scopes.key.id }] : [{ scope: 'key', id: scopes.key.id }, { scope: 'team', id: team }];
}

/** The budgets a request counts against: its key's and its team's, those that are set. */
export function budgetsOf(scopes: BudgetScopes): { scope: SpendScope; id: string; budget: Budget }[] {
  const found: { scope: SpendScope; id: string; budget: Budget }[] = [];
  const own = scopes.key.limits.budget;
  if (own) found.push({ scope: 'key', id: scopes.key.id, budget: { micros: toMicros(own.usd), usd: own.usd, period: own.period } });
  const team = scopes.teamLimits?.budget;
  if (team && scopes.key.team !== undefined) found.push({ scope: 'team', id: scopes.key.team, budget: { micros: toMicros(team.usd), usd: team.usd, period: team.period } });
  return found;
}

/** The refusal of a request whose worst case (`needed`) does not fit beside what is `spent` and `held` of the budget `state` describes. */
export function budgetExceeded(scopes: BudgetScopes, state: BudgetState, figures: { spent: number; held: number; needed: number }, retryAfterMs: number): BudgetExceededError {
  const name = state.scope === 'key' ? `key ${scopes.key.name} (${state.id})` : `team ${state.id}`;
  return new BudgetExceededError(
    `the ${PERIOD_WORDS[state.period]} budget of ${name} is $${state.limitUsd}: $${usd(figures.spent)} is spent and $${usd(figures.held)} held by requests in flight, and this request may cost up to $${usd(figures.needed)}`,
    { budget: state, retryAfterMs },
  );
}

/** Which of `ALERT_THRESHOLDS` a settle from `before` to `after` micro-dollars crossed, of a budget of `limit`. */
export function crossedThresholds(before: number, after: number, limit: number): number[] {
  return ALERT_THRESHOLDS.filter((threshold) => before < threshold * limit && after >= threshold * limit);
}

function usd(micros: number): string {
  return (micros / 1_000_000).toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
}
