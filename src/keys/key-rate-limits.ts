import { KeyRateLimitError } from '../errors/request-errors.js';
import type { RateLimitSnapshot, RateLimitWindow } from '../spec/rate-limit.js';
import { SlidingWindowLog, type WindowEntry } from '../util/sliding-window-log.js';
import type { KeyLimits } from './virtual-key.js';

/** The window `rpm` and `tpm` count over. */
export const RATE_WINDOW_MS = 60_000;

/**
 * When a client refused for `max_concurrent` may try again: a slot frees when a request in flight
 * ends, which no clock tells, so this is a hint of a typical request's length.
 */
export const CONCURRENCY_RETRY_MS = 1_000;

/** What one key or one team has done since the gateway started: its window, requests in flight, refusals. */
export class RateScope {
  readonly log = new SlidingWindowLog(RATE_WINDOW_MS);
  inFlight = 0;
  readonly refused = { rateLimited: 0, budgetExceeded: 0 };

  constructor(
    readonly kind: 'key' | 'team',
    /** The key's id or the team's name. */
    readonly id: string,
    /** What a refusal calls it: `key "app"`, `team "billing"`. */
    readonly label: string,
  ) {}
}

/** A scope and the limits it counts a request against (read at admission: a key update or a reload changes them, not the counters). */
export type LimitedScope = { scope: RateScope; limits: KeyLimits };

/** One request counted in its scopes: settle it once when it ends. */
export interface RateTicket {
  /** Frees its concurrency slots and replaces its token estimate with `tokens` (undefined: unknown, the estimate stays). Once. */
  settle(tokens: number | undefined): void;
}

export type Limit = 'rpm' | 'tpm' | 'max_concurrent';
/** A limit in a request's way: whose, which, its size, and when it has room again (epoch ms). */
export type Refusal = { scope: RateScope; limit: Limit; until: number; size: number };

/** What admitting a request under its rate limits gave: its ticket and standing, or the refusal (nothing counted). */
export type RateAdmission = { ok: true; ticket: RateTicket; rateLimit: RateLimitSnapshot | undefined } | { ok: false; error: KeyRateLimitError };

/** A scope's window now: requests and tokens in it, requests in flight. */
export type ScopeWindow = { requests: number; tokens: number; inFlight: number };

/** Rate limits counted beyond this process (`shared-rate-limiter.ts`: in Redis, for every gateway on it). */
export interface SharedRates {
  /** As `admitRate`, in every gateway's counters; rejects with a StateUnavailableError when Redis is away and rate limits fail closed. */
  admit(scopes: readonly LimitedScope[], tokens: number, now: number): Promise<RateAdmission>;
  /** The shared window of one scope (this process's when Redis cannot say). */
  window(scope: RateScope, now: number): Promise<ScopeWindow>;
}

/**
 * Admits a request estimated at `tokens` input tokens when every scope has room in every limit:
 * all or nothing, in one synchronous step (no request of this process can slip in between the
 * check and the count). Refused, nothing is counted and the error says when the last limit in the
 * way has room again. Output tokens are not counted up front (OpenAI counts `max_tokens`): a
 * limit on tokens a request may never write would refuse short answers for long ceilings; the
 * real output is counted when the request settles.
 */
export function admitRate(scopes: readonly LimitedScope[], tokens: number, now: number): RateAdmission {
  const refusals: Refusal[] = [];
  for (const { scope, limits } of scopes) {
    const { rpm, tpm, maxConcurrent } = limits;
    if (rpm !== undefined) {
      const until = scope.log.requestRoomAt(rpm, now);
      if (until > now) refusals.push({ scope, limit: 'rpm', until, size: rpm });
    }
    // A request estimated over the whole limit waits for an empty window rather than never passing.
    if (tpm !== undefined && scope.log.tokens(now) + Math.min(tokens, tpm) > tpm) {
      refusals.push({ scope, limit: 'tpm', until: scope.log.tokenRoomAt(Math.min(tokens, tpm), tpm, now), size: tpm });
    }
    if (maxConcurrent !== undefined && scope.inFlight >= maxConcurrent) refusals.push({ scope, limit: 'max_concurrent', until: now + CONCURRENCY_RETRY_MS, size: maxConcurrent });
  }
  if (refusals.length > 0) return { ok: false, error: rateLimitError(refusals, now, rateLimitSnapshot(scopes, now)) };
  const entries: { scope: RateScope; entry: WindowEntry }[] = [];
  for (const { scope, limits } of scopes) {
    entries.push({ scope, entry: scope.log.add(now, Math.min(tokens, limits.tpm ?? tokens)) });
    scope.inFlight++;
  }
  let settled = false;
  const ticket: RateTicket = {
    settle: (used) => {
      if (settled) return;
      settled = true;
      for (const { scope, entry } of entries) {
        scope.inFlight--;
        scope.log.settle(entry, used);
      }
    },
  };
  return { ok: true, ticket, rateLimit: rateLimitSnapshot(scopes, now) };
}

/** The refusal of a request: the limits in its way, and when the last of them has room again. */
export function rateLimitError(refusals: readonly Refusal[], now: number, rateLimit: RateLimitSnapshot | undefined): KeyRateLimitError {
  const until = Math.max(...refusals.map((refusal) => refusal.until));
  const retryAfterMs = Math.max(0, until - now);
  return new KeyRateLimitError(refusalMessage(refusals, retryAfterMs), { retryAfterMs, rateLimit: rateLimit ?? {} });
}

/** `snapshot` with `window` as its `kind` when it has fewer left than the one there (a new snapshot when undefined). */
export function tighterSnapshot(snapshot: RateLimitSnapshot | undefined, kind: keyof RateLimitSnapshot, window: RateLimitWindow): RateLimitSnapshot {
  const kept = snapshot ?? {};
  const held = kept[kind];
  if (held === undefined || window.remaining < held.remaining) kept[kind] = window;
  return kept;
}

/** The tightest standing of each kind of limit over `scopes` (the fewest left); undefined when none has a limit. */
export function rateLimitSnapshot(scopes: readonly LimitedScope[], now: number): RateLimitSnapshot | undefined {
  let snapshot: RateLimitSnapshot | undefined;
  const keep = (kind: keyof RateLimitSnapshot, window: RateLimitWindow): void => {
    snapshot = tighterSnapshot(snapshot, kind, window);
  };
  for (const { scope, limits } of scopes) {
    const { rpm, tpm, maxConcurrent } = limits;
    if (rpm !== undefined) keep('requests', { limit: rpm, remaining: rpm - scope.log.requests(now), resetMs: scope.log.emptyAt(now) - now });
    if (tpm !== undefined) keep('tokens', { limit: tpm, remaining: tpm - scope.log.tokens(now), resetMs: scope.log.emptyAt(now, 'tokens') - now });
    if (maxConcurrent !== undefined) keep('concurrent', { limit: maxConcurrent, remaining: maxConcurrent - scope.inFlight, resetMs: scope.inFlight === 0 ? 0 : CONCURRENCY_RETRY_MS });
  }
  return snapshot;
}

const LIMIT_TEXT: Readonly<Record<Limit, (size: number) => string>> = {
  rpm: (size) => `${size} requests per minute (rpm)`,
  tpm: (size) => `${size} tokens per minute (tpm)`,
  max_concurrent: (size) => `${size} requests in flight (max_concurrent)`,
};

function refusalMessage(refusals: readonly Refusal[], retryAfterMs: number): string {
  const reached = refusals.map((refusal) => `${refusal.scope.label}'s limit of ${LIMIT_TEXT[refusal.limit](refusal.size)}`).join(' and ');
  return `Rate limit reached: ${reached}. Try again in ${Math.max(1, Math.ceil(retryAfterMs / 1000))}s.`;
}
