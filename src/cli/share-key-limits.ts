import type { Logger } from 'pino';
import type { StateConfig } from '../config/resolved-config.js';
import type { BudgetAlert, BudgetLedger, SpendRecord } from '../keys/budget-ledger.js';
import type { BudgetClock } from '../keys/budget-period.js';
import { sharedKeyLimits, type SharedKeyLimits } from '../keys/shared-key-limits.js';
import type { RedisState } from '../state/redis-state.js';

/**
 * The keys' rate limits and budgets on the shared state (`state.redis`), for the process's Governor.
 * Redis learns the settled spend of the periods still open for the buckets where it has less: at
 * start from this process's ledger (just loaded from the store), and again when a concern finds Redis
 * back after an outage (it may have restarted empty) from the store read again (every gateway's, as
 * written with the traces) and the ledger, the larger of each bucket. A concern falling back, or
 * refusing, is logged once per outage.
 */
export async function shareKeyLimits(
  state: RedisState,
  options: { config: StateConfig; clock: BudgetClock; ledger: BudgetLedger; storedSpend: () => Promise<readonly SpendRecord[]>; logger: Logger; onAlert: (alert: BudgetAlert) => void },
): Promise<SharedKeyLimits> {
  const { logger, ledger } = options;
  const seed = (when: string, stored: () => Promise<readonly SpendRecord[]>): Promise<void> =>
    stored()
      .catch(() => [])
      .then((records) => shared.seed(largerOf(records, ledger.records())))
      .then((written) => {
        if (written > 0) logger.info({ state: 'redis', buckets: written }, `shared state: ${written} bucket(s) of stored spend written to Redis (${when})`);
      })
      .catch(() => logger.warn({ state: 'redis' }, `shared state: the stored spend could not be written to Redis (${when}); it will be when Redis is back`));
  const shared = sharedKeyLimits(state, {
    onFailure: options.config.onFailure,
    local: ledger,
    clock: options.clock,
    onAlert: options.onAlert,
    onFallback: ({ concern, mode, state: now, detail }) => {
      if (now === 'shared') {
        logger.info({ state: 'redis', concern }, `shared state: ${concern} counted in Redis again`);
        void seed('Redis is back', options.storedSpend);
        return;
      }
      const what = mode === 'open' ? "served on this process's own counters" : 'refused with 503 state_unavailable';
      logger.warn({ state: 'redis', concern, on_failure: mode, detail }, `shared state: Redis cannot answer for ${concern}: requests are ${what} until it is back`);
    },
  });
  // The ledger was loaded from the store a moment ago: reading it again would only repeat that.
  await seed('start', async () => []);
  return shared;
}

/** Both views of settled spend, the larger of each bucket (each counts part of the same settles). */
function largerOf(first: readonly SpendRecord[], second: readonly SpendRecord[]): SpendRecord[] {
  const merged = new Map<string, SpendRecord>();
  for (const record of [...first, ...second]) {
    const name = `${record.scope}:${record.id}:${record.bucketStart}`;
    const held = merged.get(name);
    if (held === undefined || record.micros > held.micros) merged.set(name, record);
  }
  return [...merged.values()];
}
