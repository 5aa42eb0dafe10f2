import type { RedisScript, RedisState } from '../../state/redis-state.js';
import { shadowDayOf, type ShadowBudget, type ShadowHold } from './shadow-ledger.js';

/** A day's key outlives its day, so a job held late in it still settles into it. */
const KEEP_MS = 2 * 86_400_000;

const HOLD: RedisScript = {
  name: 'shadow_hold',
  keys: 1,
  lua: `
-- KEYS: the router's day (a HASH of spent and held micro-dollars). ARGV: micros, limit, keepMs. 1: held; 0: it would pass the limit.
local micros, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local day = redis.call('HMGET', KEYS[1], 'spent', 'held')
if (tonumber(day[1]) or 0) + (tonumber(day[2]) or 0) + micros > limit then return 0 end
redis.call('HINCRBY', KEYS[1], 'held', micros)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`,
};

const SETTLE: RedisScript = {
  name: 'shadow_settle',
  keys: 1,
  lua: `
-- KEYS: the router's day. ARGV: the hold's micro-dollars, what the job cost. A day already gone takes nothing.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'held', -tonumber(ARGV[1]))
redis.call('HINCRBY', KEYS[1], 'spent', tonumber(ARGV[2]))
return 1
`,
};

/**
 * The routers' daily shadow budgets counted for every gateway on one Redis, as `ShadowLedger` counts
 * them in one process: a job holds its worst case before its first call and settles at its cost,
 * so three gateways spend a router's `budget_usd_per_day` once between them, not three times.
 * Redis away or slow: no shadow job runs (its cost could not be counted across the gateways), and
 * each skip is counted (`budgets`); a settle Redis does not take leaves its hold until the day's key expires.
 */
export class SharedShadowBudget implements ShadowBudget {
  constructor(
    private readonly state: RedisState,
    private readonly now: () => number = Date.now,
  ) {}

  async hold(router: string, micros: number, limitMicros: number): Promise<ShadowHold | undefined> {
    const day = shadowDayOf(this.now());
    // HINCRBY takes integers: a worst case is rounded up.
    const held = Math.ceil(micros);
    try {
      const answer = await this.state.script('budgets', HOLD, [this.key(router, day)], [held, limitMicros, KEEP_MS]);
      return answer === 1 ? { router, day, micros: held } : undefined;
    } catch {
      this.state.countFallback('budgets');
      return undefined;
    }
  }

  settle(hold: ShadowHold, micros: number): void {
    this.state
      .script('budgets', SETTLE, [this.key(hold.router, hold.day)], [hold.micros, Math.ceil(micros)], { background: true })
      .catch(() => this.state.countFallback('budgets'));
  }

  private key(router: string, day: number): string {
    return `${this.state.prefix}shadow:{${router}}:${day}`;
  }
}
