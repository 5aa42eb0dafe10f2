import type { BudgetExceededError } from '../errors/execution-errors.js';
import type { StateUnavailableError } from '../errors/request-errors.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { BudgetState } from '../spec/decision.js';
import type { Step } from '../spec/step.js';
import type { RateLimitSnapshot } from '../spec/rate-limit.js';
import type { Trace } from '../spec/trace.js';
import type { Caller } from './caller.js';
import type { KeyLimits, VirtualKey } from './virtual-key.js';

/** One request let in under its key's (and team's) limits and budgets, until it settles. */
export interface Admission {
  /** The request's rate-limit standing once admitted: what the `x-ratelimit-*` headers say. */
  readonly rateLimit: RateLimitSnapshot | undefined;
  /** The tightest budget of the key and its team as the request arrived: what a router's `on_budget` reads. */
  readonly budget: BudgetState | undefined;
  /**
   * Holds the request's worst case along its plan (`worst-case-cost.ts`) against what is left of
   * its budgets; the error, with nothing held, when it does not fit (or, budgets shared in Redis with
   * `on_failure.budgets: closed`, when Redis cannot say). Called once, after routing.
   */
  reserve(steps: readonly Step[], request: ChatRequest): Promise<BudgetExceededError | StateUnavailableError | undefined>;
  /**
   * The request is over: frees its concurrency slot, replaces its admitted token estimate with the
   * tokens it used, and settles its budgets with the trace's cost (nothing when `trace` is
   * undefined: it ended before any call). Once; later calls do nothing. Never waits: with shared
   * state the settle goes to Redis in the background (a failed one is counted; its lease expires).
   */
  settle(trace: Trace | undefined): void;
}

/** The request's plan, when it was routed before admission: its budget hold goes with the rate check. */
export type AdmissionPlan = { steps: readonly Step[]; request: ChatRequest };

/** Lets requests in under their caller's limits: one per gateway chain (a config reload keeps it). */
export interface KeyGovernor {
  /**
   * Whether admission waits on shared state (Redis): a caller that can route without calls should
   * then route first and pass the plan, so the rate check and the budget hold take one round trip.
   */
  readonly shared: boolean;
  /**
   * Admits a request of `caller`: throws a ForbiddenError (`model_not_allowed`) when its key may not
   * use `request.model`, a KeyRateLimitError when a rate limit is full, a StateUnavailableError when
   * shared state is away and configured to fail closed; `undefined` for a caller without limits (no
   * key, a static or admin key, a key with no limits or budget). With `plan`, the budget hold is
   * taken at once (the admission's `reserve` then answers with it) and `budget` is the standing before it.
   */
  admit(caller: Caller, request: ChatRequest, plan?: AdmissionPlan): Promise<Admission | undefined>;
}

/** Whose budget a request counts against: its key's own and, when its team has one, its team's. */
export type BudgetScopes = { key: VirtualKey; teamLimits: KeyLimits | undefined };

/** A budget hold of one request, until its real cost is known. */
export interface BudgetHold {
  /** The tightest budget of the key and its team before this hold, when the gate read it (shared budgets do). */
  readonly before?: BudgetState | undefined;
  /** Replaces the held worst case with the real cost (`undefined`: the price or usage is unknown, nothing is charged). Once. */
  settle(costUsd: number | undefined): void;
}

/**
 * The budgets of keys and teams: what the governor asks before and after each request. In this
 * process (`budget-ledger.ts`) it answers at once; shared in Redis (`shared-budget-gate.ts`) it
 * answers with a promise, rejected with a StateUnavailableError when Redis cannot say and budgets fail closed.
 */
export interface BudgetGate {
  /** The tightest budget of the key and its team now; `undefined` when neither has one. */
  state(scopes: BudgetScopes): BudgetState | undefined | Promise<BudgetState | undefined>;
  /** Holds the worst case of the request against both budgets, or says which one it does not fit (nothing held then). */
  reserve(scopes: BudgetScopes, steps: readonly Step[], request: ChatRequest): BudgetHold | BudgetExceededError | Promise<BudgetHold | BudgetExceededError>;
  /** Counts the cost of a request that held nothing (its key and team have no limits): a budget set later sees it. */
  charge(scopes: BudgetScopes, costUsd: number | undefined): void;
}
