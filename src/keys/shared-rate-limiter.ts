import { randomUUID } from 'node:crypto';
import type { RateLimitSnapshot } from '../spec/rate-limit.js';
import type { RedisRateLimits, SharedRateFigures, SharedRateScope } from '../state/redis-rate-limits.js';
import {
  admitRate,
  CONCURRENCY_RETRY_MS,
  rateLimitError,
  RATE_WINDOW_MS,
  tighterSnapshot,
  type LimitedScope,
  type RateAdmission,
  type RateScope,
  type Refusal,
  type ScopeWindow,
  type SharedRates,
} from './key-rate-limits.js';
import type { StateFallback } from './state-fallback.js';

/**
 * The rate limits of keys and teams counted in Redis for every gateway on it (`state/redis-rate-limits.ts`):
 * the same refusals, messages and `x-ratelimit-*` standing as in one process. When Redis cannot
 * answer within its timeout, `on_failure.rate_limits` decides: `open` admits on this process's own
 * counters (`admitRate`), `closed` refuses with 503 `state_unavailable`.
 */
export class SharedRateLimiter implements SharedRates {
  // Request ids unique across gateways: this process's random prefix and a counter.
  private readonly process = randomUUID();
  private sequence = 0;

  constructor(
    private readonly redis: RedisRateLimits,
    private readonly fallback: StateFallback,
  ) {}

  async admit(scopes: readonly LimitedScope[], tokens: number, now: number): Promise<RateAdmission> {
    const shared: SharedRateScope[] = scopes.map(({ scope, limits }) => ({
      name: `${scope.kind}:${scope.id}`,
      rpm: limits.rpm,
      tpm: limits.tpm,
      maxConcurrent: limits.maxConcurrent,
      tokens: Math.min(tokens, limits.tpm ?? tokens),
    }));
    let admitted;
    try {
      admitted = await this.redis.admit(shared, `${this.process}:${++this.sequence}`, now);
    } catch (error) {
      if (this.fallback.failed(error)) return admitRate(scopes, tokens, now);
      throw error;
    }
    this.fallback.answered();
    const rateLimit = snapshotOf(scopes, admitted.figures, now);
    const { lease } = admitted;
    if (!admitted.ok || lease === undefined) return { ok: false, error: rateLimitError(refusalsOf(scopes, admitted.figures), now, rateLimit) };
    let settled = false;
    const ticket = {
      settle: (used: number | undefined): void => {
        if (settled) return;
        settled = true;
        // In the background: a settle Redis does not take is counted; the lease then expires by itself.
        this.redis.settle(shared, lease, used).catch((error: unknown) => this.fallback.failed(error));
      },
    };
    return { ok: true, ticket, rateLimit };
  }

  async window(scope: RateScope, now: number): Promise<ScopeWindow> {
    try {
      const figures = await this.redis.window(`${scope.kind}:${scope.id}`, now);
      return { requests: figures.requests, tokens: figures.tokens, inFlight: figures.inFlight };
    } catch {
      return { requests: scope.log.requests(now), tokens: scope.log.tokens(now), inFlight: scope.inFlight };
    }
  }
}

function refusalsOf(scopes: readonly LimitedScope[], figures: readonly SharedRateFigures[]): Refusal[] {
  const refusals: Refusal[] = [];
  scopes.forEach(({ scope, limits }, index) => {
    const until = figures[index]?.refusedUntil;
    if (until?.rpm !== undefined && limits.rpm !== undefined) refusals.push({ scope, limit: 'rpm', until: until.rpm, size: limits.rpm });
    if (until?.tpm !== undefined && limits.tpm !== undefined) refusals.push({ scope, limit: 'tpm', until: until.tpm, size: limits.tpm });
    if (until?.maxConcurrent !== undefined && limits.maxConcurrent !== undefined) refusals.push({ scope, limit: 'max_concurrent', until: until.maxConcurrent, size: limits.maxConcurrent });
  });
  return refusals;
}

/** As `rateLimitSnapshot`, from the figures the script returned (the window's end: its newest request's admission plus the window). */
function snapshotOf(scopes: readonly LimitedScope[], figures: readonly SharedRateFigures[], now: number): RateLimitSnapshot | undefined {
  let snapshot: RateLimitSnapshot | undefined;
  scopes.forEach(({ limits }, index) => {
    const figure = figures[index];
    if (figure === undefined) return;
    const resetMs = figure.newestAt === undefined ? 0 : figure.newestAt + RATE_WINDOW_MS - now;
    if (limits.rpm !== undefined) snapshot = tighterSnapshot(snapshot, 'requests', { limit: limits.rpm, remaining: limits.rpm - figure.requests, resetMs });
    if (limits.tpm !== undefined) snapshot = tighterSnapshot(snapshot, 'tokens', { limit: limits.tpm, remaining: limits.tpm - figure.tokens, resetMs: figure.tokens === 0 ? 0 : resetMs });
    if (limits.maxConcurrent !== undefined) {
      snapshot = tighterSnapshot(snapshot, 'concurrent', { limit: limits.maxConcurrent, remaining: limits.maxConcurrent - figure.inFlight, resetMs: figure.inFlight === 0 ? 0 : CONCURRENCY_RETRY_MS });
    }
  });
  return snapshot;
}
