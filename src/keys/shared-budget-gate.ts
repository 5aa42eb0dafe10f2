import { randomUUID } from 'node:crypto';
import type { BudgetExceededError } from '../errors/execution-errors.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { BudgetState } from '../spec/decision.js';
import type { Step } from '../spec/step.js';
import type { Lease } from '../state/lease-renewer.js';
import type { RedisBudgets, SharedBudgetFigures, SharedBudgetScope } from '../state/redis-budgets.js';
import type { BudgetGate, BudgetHold, BudgetScopes } from './admission.js';
import { budgetExceeded, budgetsOf, budgetState, crossedThresholds, scopesOf, type BudgetAlert, type BudgetLedger, type Budget, type SpendScope } from './budget-ledger.js';
import { bucketOf, budgetPeriodAt, type BudgetClock } from './budget-period.js';
import type { StateFallback } from './state-fallback.js';
import { toMicros, worstCaseMicros } from './worst-case-cost.js';

export type SharedBudgetGateOptions = {
  redis: RedisBudgets;
  /** This process's ledger: what `on_failure.budgets: open` serves on while Redis is away; it counts this process's spend meanwhile and always. */
  local: BudgetLedger;
  clock: BudgetClock;
  fallback: StateFallback;
  /** Alerts at 50/80/100%: each fires on the one gateway whose settle crossed it. */
  onAlert?: ((alert: BudgetAlert) => void) | undefined;
  now?: () => number;
};

type Counted = { scope: SpendScope; id: string; budget: Budget | undefined };

/**
 * The budgets of keys and teams shared by every gateway on one Redis (`state/redis-budgets.ts`):
 * a request holds its worst case against the spend of all gateways plus their holds, all scopes at
 * once. Keys and teams without a budget never wait on Redis before a request (their spend is added
 * after it). Redis away or slow: `on_failure.budgets: closed` (the default) refuses requests of
 * keys and teams with a budget with 503 `state_unavailable`; `open` serves on this process's ledger.
 */
export class SharedBudgetGate implements BudgetGate {
  private readonly process = randomUUID();
  private sequence = 0;
  private readonly now: () => number;

  constructor(private readonly options: SharedBudgetGateOptions) {
    this.now = options.now ?? Date.now;
  }

  async state(scopes: BudgetScopes): Promise<BudgetState | undefined> {
    const budgets = budgetsOf(scopes);
    if (budgets.length === 0) return undefined;
    const now = this.now();
    const counted: Counted[] = budgets;
    let figures: SharedBudgetFigures[];
    try {
      figures = await this.options.redis.figures(this.sharedScopes(counted, now), now);
    } catch (error) {
      if (this.options.fallback.failed(error)) return this.options.local.state(scopes);
      throw error;
    }
    this.options.fallback.answered();
    return this.tightest(counted, figures, now, 0);
  }

  async reserve(scopes: BudgetScopes, steps: readonly Step[], request: ChatRequest): Promise<BudgetHold | BudgetExceededError> {
    const needed = worstCaseMicros(steps, request) ?? 0;
    const counted = this.countedOf(scopes);
    // Nothing to check: only the cost to add once the request ends.
    if (counted.every((entry) => entry.budget === undefined)) return this.hold(scopes, counted, '', undefined);
    const now = this.now();
    const id = `${this.process}:${++this.sequence}`;
    let held;
    try {
      held = await this.options.redis.reserve(this.sharedScopes(counted, now), id, needed, now);
    } catch (error) {
      if (!this.options.fallback.failed(error)) throw error;
      const local = this.options.local.reserve(scopes, steps, request);
      return 'settle' in local ? this.hold(scopes, counted, '', undefined, local) : local;
    }
    this.options.fallback.answered();
    if (held.refused !== undefined) {
      const entry = counted[held.refused] as Counted & { budget: Budget };
      const figure = held.figures[held.refused] as SharedBudgetFigures;
      const state = this.stateOf(entry, figure, now);
      return budgetExceeded(scopes, state, { spent: figure.spent, held: figure.held, needed }, Math.max(0, state.periodEnd - now));
    }
    // The standing before this hold: the script's figures count it in every scope with a budget.
    return this.hold(scopes, counted, id, held.lease, undefined, this.tightest(counted, held.figures, now, needed));
  }

  /** The tightest budget of `counted` (those with a budget) from the script's figures, less `ownHold` held by this request. */
  private tightest(counted: readonly Counted[], figures: readonly (SharedBudgetFigures | undefined)[], now: number, ownHold: number): BudgetState | undefined {
    let tightest: BudgetState | undefined;
    counted.forEach((entry, index) => {
      if (entry.budget === undefined) return;
      const figure = figures[index];
      const state = this.stateOf(entry as Counted & { budget: Budget }, figure && { ...figure, held: Math.max(0, figure.held - ownHold) }, now);
      if (!tightest || state.fraction > tightest.fraction) tightest = state;
    });
    return tightest;
  }

  charge(scopes: BudgetScopes, costUsd: number | undefined): void {
    this.hold(scopes, this.countedOf(scopes), '', undefined).settle(costUsd);
  }

  /**
   * A hold (or none: `id` empty) whose settle adds the cost in Redis (in the background) and in this
   * process's ledger (settling `local`, the hold taken there while Redis was away).
   */
  private hold(scopes: BudgetScopes, counted: readonly Counted[], id: string, lease: Lease | undefined, local?: BudgetHold, before?: BudgetState): BudgetHold {
    let open = true;
    return {
      before,
      settle: (costUsd) => {
        if (!open) return;
        open = false;
        if (local) local.settle(costUsd);
        else this.options.local.charge(scopes, costUsd);
        const now = this.now();
        const micros = costUsd === undefined ? undefined : toMicros(costUsd);
        const shared = this.sharedScopes(counted, now);
        this.options.redis
          .settle(shared, id, lease, micros, bucketOf(now), now)
          .then((moves) => moves.forEach((move, index) => this.alert(scopes, counted[index] as Counted, move)))
          // A settle Redis does not take is counted: the hold expires by itself, the cost is in the store's spend.
          .catch((error: unknown) => this.options.fallback.failed(error));
      },
    };
  }

  private alert(scopes: BudgetScopes, entry: Counted, move: { before: number; after: number } | undefined): void {
    const { budget } = entry;
    if (move === undefined || budget === undefined || this.options.onAlert === undefined) return;
    for (const threshold of crossedThresholds(move.before, move.after, budget.micros)) {
      this.options.onAlert({ scope: entry.scope, id: entry.id, keyId: scopes.key.id, keyName: scopes.key.name, team: scopes.key.team, threshold, spentUsd: move.after / 1_000_000, limitUsd: budget.usd, period: budget.period });
    }
  }

  private countedOf(scopes: BudgetScopes): Counted[] {
    const budgets = budgetsOf(scopes);
    return scopesOf(scopes).map(({ scope, id }) => ({ scope, id, budget: budgets.find((entry) => entry.scope === scope)?.budget }));
  }

  private sharedScopes(counted: readonly Counted[], now: number): SharedBudgetScope[] {
    return counted.map(({ scope, id, budget }) => {
      const span = budget === undefined ? { start: 0, end: 0 } : budgetPeriodAt(budget.period, this.options.clock, now);
      return { name: `${scope}:${id}`, micros: budget?.micros, start: span.start, end: span.end };
    });
  }

  private stateOf(entry: { scope: SpendScope; id: string; budget: Budget }, figure: SharedBudgetFigures | undefined, now: number): BudgetState {
    const { budget } = entry;
    const span = budgetPeriodAt(budget.period, this.options.clock, now);
    // Rolling: the period has room again when its oldest spend leaves it, as in one process.
    const end = this.options.clock.reset === 'rolling' ? (figure?.oldest ?? bucketOf(now)) + (span.end - span.start) : span.end;
    return budgetState(entry.scope, entry.id, budget, figure?.spent ?? 0, figure?.held ?? 0, end);
  }
}
