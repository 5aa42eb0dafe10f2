import { LeaseRenewer } from '../state/lease-renewer.js';
import { RedisBudgets } from '../state/redis-budgets.js';
import { RedisRateLimits } from '../state/redis-rate-limits.js';
import type { RedisState } from '../state/redis-state.js';
import type { BudgetAlert, BudgetLedger, SpendRecord } from './budget-ledger.js';
import { SPEND_KEEP_MS, type BudgetClock } from './budget-period.js';
import { CONCURRENCY_RETRY_MS, RATE_WINDOW_MS } from './key-rate-limits.js';
import { SharedBudgetGate } from './shared-budget-gate.js';
import { SharedRateLimiter } from './shared-rate-limiter.js';
import { StateFallback, type FailureMode, type FallbackListener } from './state-fallback.js';


export type SharedKeyLimitsOptions = {
  onFailure: { rateLimits: FailureMode; budgets: FailureMode };
  /** This process's ledger (from the store's spend): the fallback of budgets, and what seeds Redis. */
  local: BudgetLedger;
  clock: BudgetClock;
  onAlert?: ((alert: BudgetAlert) => void) | undefined;
  onFallback?: FallbackListener | undefined;
  now?: () => number;
};

/** The rate limits and budgets of keys and teams on one Redis (`state.redis`), for a Governor: `rates` and `budgets` of its options. */
export type SharedKeyLimits = {
  rates: SharedRateLimiter;
  budgets: SharedBudgetGate;
  /**
   * Writes settled spend (this process's ledger: the store's at start, and its own since) into Redis
   * for the buckets where Redis has less (at startup, and when Redis is back after an outage): a
   * Redis that restarted empty learns the spend of the periods still open. Each view counts part of
   * the same settles, so the larger one is kept and nothing is counted twice. Resolves with the
   * number of buckets written; rejects when Redis is away.
   */
  seed(records: Iterable<SpendRecord>): Promise<number>;
};

export function sharedKeyLimits(state: RedisState, options: SharedKeyLimitsOptions): SharedKeyLimits {
  const now = options.now ?? Date.now;
  const renewer = new LeaseRenewer(state, now);
  const redisBudgets = new RedisBudgets(state, renewer, SPEND_KEEP_MS);
  const rates = new SharedRateLimiter(new RedisRateLimits(state, renewer, RATE_WINDOW_MS, CONCURRENCY_RETRY_MS), new StateFallback(state, 'rate_limits', options.onFailure.rateLimits, options.onFallback));
  const budgets = new SharedBudgetGate({
    redis: redisBudgets,
    local: options.local,
    clock: options.clock,
    fallback: new StateFallback(state, 'budgets', options.onFailure.budgets, options.onFallback),
    onAlert: options.onAlert,
    now,
  });
  return {
    rates,
    budgets,
    seed: async (records) => {
      const byScope = new Map<string, { bucketStart: number; micros: number }[]>();
      for (const { scope, id, bucketStart, micros } of records) {
        const name = `${scope}:${id}`;
        let buckets = byScope.get(name);
        if (!buckets) {
          buckets = [];
          byScope.set(name, buckets);
        }
        buckets.push({ bucketStart, micros });
      }
      let written = 0;
      for (const [name, buckets] of byScope) written += await redisBudgets.seed(name, buckets);
      return written;
    },
  };
}
