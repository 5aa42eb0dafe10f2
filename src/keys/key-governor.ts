import type { BudgetExceededError } from '../errors/execution-errors.js';
import { StateUnavailableError } from '../errors/request-errors.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { BudgetState } from '../spec/decision.js';
import type { Step } from '../spec/step.js';
import type { RateLimitSnapshot } from '../spec/rate-limit.js';
import type { Trace } from '../spec/trace.js';
import { approximatePromptTokens } from '../tokens/estimate-usage.js';
import type { Admission, AdmissionPlan, BudgetGate, BudgetHold, BudgetScopes, KeyGovernor } from './admission.js';
import type { Caller } from './caller.js';
import { checkKeyAccess } from './check-key-access.js';
import { admitRate, RateScope, type LimitedScope, type RateTicket, type ScopeWindow, type SharedRates } from './key-rate-limits.js';
import { keyState, type KeyLimits, type TeamLimits, type VirtualKey } from './virtual-key.js';

export type GovernorOptions = {
  /** The teams' limits of the config serving now (read at each admission: a reload changes them, not the counters). */
  teams: () => ReadonlyMap<string, TeamLimits>;
  /** The routers with a safety guard of the config serving now: all a key that requires a guard may use (none when absent). */
  guardedRouters?: (() => ReadonlySet<string>) | undefined;
  /** The budgets of keys and teams; undefined: budgets are not enforced. */
  budgets?: BudgetGate | undefined;
  /** Rate limits shared with other gateways (Redis); undefined: counted in this process only. */
  rates?: SharedRates | undefined;
  /** Every key of the store, for the admin's usage report (those without traffic too). */
  keys?: (() => readonly VirtualKey[]) | undefined;
  now?: () => number;
};

/** One key's or team's entry of the usage report. */
export type ScopeUsage = {
  id: string;
  limits: KeyLimits;
  /** Undefined when its requests are not counted: neither it nor its team has a limit or budget. */
  window: { requests: number; tokens: number; inFlight: number } | undefined;
  refused: { rateLimited: number; budgetExceeded: number };
  budget: BudgetState | undefined;
};
export type KeyUsage = ScopeUsage & { name: string; team: string | undefined };
export type UsageReport = { keys: KeyUsage[]; teams: ScopeUsage[] };

/**
 * Whose usage a report shows: one key (by id or name), one team, or all. Listed are the keys with
 * traffic since the start, `also` (a key asking for its own), and with `stored` every active key of the store.
 */
export type UsageFilter = { key?: string | undefined; team?: string | undefined; stored: boolean; also?: VirtualKey | undefined };

/**
 * The gateway's `KeyGovernor`: a key's allow lists, then the rate limits of the key and its team
 * (`key-rate-limits.ts`), then its budgets (a `BudgetGate`). Counters live as long as the process
 * and outlive config reloads; the limits are read at each admission.
 */
export class Governor implements KeyGovernor {
  private readonly keys = new Map<string, { key: VirtualKey; scope: RateScope }>();
  private readonly teamScopes = new Map<string, RateScope>();
  private readonly now: () => number;

  constructor(private readonly options: GovernorOptions) {
    this.now = options.now ?? Date.now;
  }

  get shared(): boolean {
    return this.options.rates !== undefined;
  }

  async admit(caller: Caller, request: ChatRequest, plan?: AdmissionPlan): Promise<Admission | undefined> {
    if (caller.kind !== 'key') return undefined;
    const key = caller.key;
    const teamLimits = key.team === undefined ? undefined : this.options.teams().get(key.team);
    // Before the fast path below: the allow lists and the guard policy bind keys without limits too.
    const guard = { required: key.requireGuard === true || teamLimits?.requireGuard === true, guardedRouters: this.options.guardedRouters?.() ?? NO_ROUTERS };
    checkKeyAccess(key, request.model, guard);
    // A key without limits in a team without any: nothing to admit, only its cost to count (a budget set later sees it).
    if (!hasLimits(key.limits) && !hasLimits(teamLimits)) return this.options.budgets === undefined ? undefined : new SpendAdmission(this.options.budgets, { key, teamLimits });
    const keyScope = this.keyScope(key);
    const teamScope = teamLimits === undefined || key.team === undefined ? undefined : this.teamScope(key.team);
    const scopes: LimitedScope[] = [{ scope: keyScope, limits: key.limits }];
    if (teamScope && teamLimits) scopes.push({ scope: teamScope, limits: teamLimits });
    const budgetScopes: BudgetScopes = { key, teamLimits };
    const budgets = this.options.budgets;
    // Asked while the rate limits are checked (with shared state, one call to Redis for both): the
    // hold itself when the plan is known, else the standing that routing reads.
    const held = plan !== undefined && budgets !== undefined ? budgets.reserve(budgetScopes, plan.steps, plan.request) : undefined;
    const budgetRead = held === undefined ? budgets?.state(budgetScopes) : undefined;
    // Refused by a rate limit first, its failure is nobody's to hear (awaited below, it still throws).
    if (budgetRead instanceof Promise) budgetRead.catch(() => undefined);
    if (held instanceof Promise) held.catch(() => undefined);
    const tokens = approximatePromptTokens(request);
    // Only scopes with a rate limit go to the shared counters: a key with just a budget never waits on the rate script.
    const shared = this.options.rates !== undefined && scopes.some(({ limits }) => limits.rpm !== undefined || limits.tpm !== undefined || limits.maxConcurrent !== undefined);
    const rate = shared ? await (this.options.rates as SharedRates).admit(scopes, tokens, this.now()) : admitRate(scopes, tokens, this.now());
    if (!rate.ok) {
      for (const { scope } of scopes) scope.refused.rateLimited++;
      // A hold taken with the refused check goes at once.
      if (held !== undefined) void Promise.resolve(held).then((hold) => ('settle' in hold ? hold.settle(undefined) : undefined), () => undefined);
      throw rate.error;
    }
    if (held !== undefined) {
      let hold: BudgetHold | BudgetExceededError | StateUnavailableError;
      try {
        hold = await held;
      } catch (error) {
        // As from `reserve`: a budget that cannot be read is the request's answer, with a trace.
        if (!(error instanceof StateUnavailableError)) throw error;
        hold = error;
      }
      const before = 'settle' in hold ? hold.before : hold instanceof StateUnavailableError ? undefined : hold.budget;
      return new KeyAdmission(rate.ticket, rate.rateLimit, before, budgets, budgetScopes, scopes, hold);
    }
    let budget: BudgetState | undefined;
    try {
      budget = await budgetRead;
    } catch (error) {
      // Budgets that cannot be read (shared, failing closed): the request is refused, its rate count freed.
      rate.ticket.settle(undefined);
      throw error;
    }
    return new KeyAdmission(rate.ticket, rate.rateLimit, budget, budgets, budgetScopes, scopes);
  }

  /** Limits, windows, refusals and budgets of the keys and teams `filter` names. */
  async usage(filter: UsageFilter): Promise<UsageReport> {
    const now = this.now();
    const teams = this.options.teams();
    const keys = new Map<string, VirtualKey>();
    if (filter.stored) for (const key of this.options.keys?.() ?? []) if (keyState(key, now) === 'active') keys.set(key.id, key);
    // The record last seen at admission is as fresh as the lookup cache; the store's, when listed, is fresher.
    for (const [id, { key }] of this.keys) if (!keys.has(id)) keys.set(id, key);
    if (filter.also !== undefined) keys.set(filter.also.id, filter.also);
    const keyUsage: KeyUsage[] = [];
    const teamNames = new Set<string>();
    for (const key of keys.values()) {
      if (filter.key !== undefined && key.id !== filter.key && key.name !== filter.key) continue;
      if (filter.team !== undefined && key.team !== filter.team) continue;
      const teamLimits = key.team === undefined ? undefined : teams.get(key.team);
      if (key.team !== undefined && teamLimits !== undefined) teamNames.add(key.team);
      const counted = hasLimits(key.limits) || hasLimits(teamLimits);
      keyUsage.push({
        id: key.id,
        name: key.name,
        team: key.team,
        limits: key.limits,
        window: counted ? await this.windowOf(this.keys.get(key.id)?.scope ?? new RateScope('key', key.id, `key "${key.name}"`), now) : undefined,
        refused: { ...(this.keys.get(key.id)?.scope.refused ?? NO_REFUSALS) },
        budget: await this.options.budgets?.state({ key, teamLimits }),
      });
    }
    if (filter.key === undefined && filter.stored) for (const name of teams.keys()) if (filter.team === undefined || filter.team === name) teamNames.add(name);
    const teamUsage: ScopeUsage[] = [];
    for (const name of teamNames) {
      const limits = teams.get(name) ?? {};
      const scope = this.teamScopes.get(name);
      teamUsage.push({ id: name, limits, window: await this.windowOf(scope ?? new RateScope('team', name, `team "${name}"`), now), refused: { ...(scope?.refused ?? NO_REFUSALS) }, budget: await this.teamBudget(name, limits) });
    }
    return { keys: keyUsage, teams: teamUsage };
  }

  /** The team's own budget: asked of the gate for a stand-in key of the team with no budget of its own. */
  private async teamBudget(team: string, limits: KeyLimits): Promise<BudgetState | undefined> {
    if (this.options.budgets === undefined || limits.budget === undefined) return undefined;
    const standIn: VirtualKey = { id: `team:${team}`, name: team, team, prefix: '', createdAt: 0, updatedAt: 0, expiresAt: undefined, revokedAt: undefined, routers: undefined, models: undefined, metadata: {}, limits: {} };
    return this.options.budgets.state({ key: standIn, teamLimits: limits });
  }

  /** A scope's window: shared (every gateway's) when rate limits are, else this process's. */
  private async windowOf(scope: RateScope, now: number): Promise<ScopeWindow> {
    if (this.options.rates !== undefined) return this.options.rates.window(scope, now);
    return { requests: scope.log.requests(now), tokens: scope.log.tokens(now), inFlight: scope.inFlight };
  }

  private keyScope(key: VirtualKey): RateScope {
    const held = this.keys.get(key.id);
    if (held) {
      held.key = key;
      return held.scope;
    }
    const scope = new RateScope('key', key.id, `key "${key.name}"`);
    this.keys.set(key.id, { key, scope });
    return scope;
  }

  private teamScope(team: string): RateScope {
    let scope = this.teamScopes.get(team);
    if (!scope) {
      scope = new RateScope('team', team, `team "${team}"`);
      this.teamScopes.set(team, scope);
    }
    return scope;
  }
}

const NO_REFUSALS = { rateLimited: 0, budgetExceeded: 0 };
const NO_ROUTERS: ReadonlySet<string> = new Set();

function hasLimits(limits: KeyLimits | undefined): boolean {
  return limits !== undefined && (limits.rpm !== undefined || limits.tpm !== undefined || limits.maxConcurrent !== undefined || limits.budget !== undefined);
}

/**
 * Input plus output tokens of every call of the request that reported them (every call is billed):
 * 0 when it made none (blocked, over budget), undefined when none of its calls said.
 */
export function tokensUsed(trace: Trace): number | undefined {
  let total = trace.attempts.length === 0 ? 0 : undefined;
  for (const attempt of trace.attempts) {
    const usage = attempt.usage;
    if (usage === undefined || (usage.inputTokens === undefined && usage.outputTokens === undefined)) continue;
    total = (total ?? 0) + (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
  }
  return total;
}

/** A request admitted by the governor, until it settles. */
class KeyAdmission implements Admission {
  private hold: BudgetHold | undefined;
  private settled = false;

  constructor(
    private readonly ticket: RateTicket,
    readonly rateLimit: RateLimitSnapshot | undefined,
    readonly budget: BudgetState | undefined,
    private readonly budgets: BudgetGate | undefined,
    private readonly scopes: BudgetScopes,
    private readonly counted: readonly LimitedScope[],
    /** The hold taken at admission (the plan was known), answered by `reserve`. */
    private early?: BudgetHold | BudgetExceededError | StateUnavailableError,
  ) {}

  async reserve(steps: readonly Step[], request: ChatRequest): Promise<BudgetExceededError | StateUnavailableError | undefined> {
    if (this.budgets === undefined) return undefined;
    let held;
    if (this.early !== undefined) {
      held = this.early;
      this.early = undefined;
      if (held instanceof StateUnavailableError) return held;
    } else {
      if (this.settled) return undefined;
      try {
        held = await this.budgets.reserve(this.scopes, steps, request);
      } catch (error) {
        if (error instanceof StateUnavailableError) return error;
        throw error;
      }
    }
    // Settled while the reserve was on its way (the client went away): the hold goes at once.
    if ('settle' in held && this.settled) {
      held.settle(undefined);
      return undefined;
    }
    if ('settle' in held) {
      this.hold = held;
      return undefined;
    }
    for (const { scope } of this.counted) scope.refused.budgetExceeded++;
    return held;
  }

  settle(trace: Trace | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.ticket.settle(trace === undefined ? undefined : tokensUsed(trace));
    this.hold?.settle(trace?.costUsd);
    // A hold taken at admission that `reserve` never collected (the request ended before it).
    if (this.early !== undefined && 'settle' in this.early) this.early.settle(trace?.costUsd);
    this.early = undefined;
  }
}

/** A request of a key with no limits: nothing held or refused, its cost counted once when it ends. */
class SpendAdmission implements Admission {
  readonly rateLimit = undefined;
  readonly budget = undefined;
  private settled = false;

  constructor(
    private readonly budgets: BudgetGate,
    private readonly scopes: BudgetScopes,
  ) {}

  async reserve(): Promise<undefined> {
    return undefined;
  }

  settle(trace: Trace | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.budgets.charge(this.scopes, trace?.costUsd);
  }
}
