import type { Lease, LeaseRenewer } from './lease-renewer.js';
import type { RedisScript, RedisState } from './redis-state.js';

/** One key's or team's budget as the scripts see it: its scope name, and its period now (bounds from `keys/budget-period.ts`). */
export type SharedBudgetScope = {
  /** `key:<id>` or `team:<name>`. */
  readonly name: string;
  /** The budget in micro-dollars; undefined: the scope has none (its spend is still counted). */
  readonly micros: number | undefined;
  /** The period's `[start, end)` in epoch ms (ignored without a budget). */
  readonly start: number;
  readonly end: number;
};

/** A scope's standing: settled spend in its period, live holds, and its oldest bucket with spend in the period (undefined: none). */
export type SharedBudgetFigures = { spent: number; held: number; oldest: number | undefined };

// Per scope (its keys named after the base the script is given): a HASH of settled spend by 15-min
// bucket start, a ZSET of holds scored by expiry with a HASH of their micro-dollars, and a HASH
// caching the sum (and oldest bucket) of the period last asked for, so a check does not re-add a
// month of buckets: rebuilt from the buckets when the period moves on (or after a seed), kept
// current by every settle. A scope without a budget is only added to: nothing of it is read.
// Commands are few on purpose: each costs Redis a few µs, and at c=1 every one is in the latency.
const COMMON_LUA = `
local function periodSum(spend, sums, start, finish, keepFrom, keepMs)
  local field = start .. ':' .. finish
  local cached = redis.call('HMGET', sums, field, field .. ':o')
  if cached[1] then return tonumber(cached[1]), tonumber(cached[2]) end
  redis.call('DEL', sums)
  local total, oldest = 0, -1
  local all = redis.call('HGETALL', spend)
  for i = 1, #all, 2 do
    local bucket, micros = tonumber(all[i]), tonumber(all[i + 1])
    if bucket < keepFrom then redis.call('HDEL', spend, all[i])
    elseif bucket >= start and bucket < finish then
      total = total + micros
      if micros > 0 and (oldest < 0 or bucket < oldest) then oldest = bucket end
    end
  end
  redis.call('HSET', sums, field, total, field .. ':o', oldest)
  redis.call('PEXPIRE', sums, keepMs)
  return total, oldest
end
local function liveHeld(holds, held, now)
  local old = redis.call('ZRANGEBYSCORE', holds, '-inf', now)
  for first = 1, #old, 500 do redis.call('HDEL', held, unpack(old, first, math.min(first + 499, #old))) end
  if #old > 0 then redis.call('ZREMRANGEBYSCORE', holds, '-inf', now) end
  local total = 0
  for _, micros in ipairs(redis.call('HVALS', held)) do total = total + tonumber(micros) end
  return total
end
`;

const RESERVE: RedisScript = {
  name: 'budgets_reserve',
  // One key per scope (the base of its keys), as many scopes as the call passes.
  keys: 0,
  lua: `${COMMON_LUA}
-- ARGV: now, lease, id, needed (-1: only read), keepFrom, keepMs, then per scope budget (-1: none), start, end.
-- Returns the 1-based scope that has no room (0: held in every scope with a budget), then per scope spent, held, oldest (0, 0, -1 without a budget).
local now, lease, id, needed, keepFrom, keepMs = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local figures = {}
local refused = 0
for i = 1, #KEYS do
  local holds, held = KEYS[i] .. 'holds', KEYS[i] .. 'held'
  local budget, start, finish = tonumber(ARGV[4 + 3 * i]), tonumber(ARGV[5 + 3 * i]), tonumber(ARGV[6 + 3 * i])
  local spent, oldest, holding = 0, -1, 0
  if budget >= 0 then
    spent, oldest = periodSum(KEYS[i] .. 'spend', KEYS[i] .. 'sums', start, finish, keepFrom, keepMs)
    holding = liveHeld(holds, held, now)
    if needed >= 0 and refused == 0 and spent + holding + needed > budget then refused = i end
  end
  figures[i] = {spent, holding, oldest, budget, holds, held}
end
local out = {refused}
for i = 1, #figures do
  local f = figures[i]
  if needed >= 0 and refused == 0 and f[4] >= 0 then
    redis.call('ZADD', f[5], now + lease, id)
    redis.call('HSET', f[6], id, needed)
    f[2] = f[2] + needed
  end
  out[#out + 1], out[#out + 2], out[#out + 3] = f[1], f[2], f[3]
end
return out
`,
};

const SETTLE: RedisScript = {
  name: 'budgets_settle',
  // One key per scope (the base of its keys), as many scopes as the call passes.
  keys: 0,
  lua: `${COMMON_LUA}
-- ARGV: id, micros (-1: unknown, nothing charged), bucket, keepFrom, keepMs, then per scope budget (-1: none), start, end, held (1: the request holds in it).
-- Returns per scope the period's spend before and after (-1 without a budget): a threshold crossed is seen by one gateway only.
local id, micros, bucket, keepFrom, keepMs = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {}
for i = 1, #KEYS do
  local spend, sums = KEYS[i] .. 'spend', KEYS[i] .. 'sums'
  local budget, start, finish = tonumber(ARGV[2 + 4 * i]), tonumber(ARGV[3 + 4 * i]), tonumber(ARGV[4 + 4 * i])
  if ARGV[5 + 4 * i] == '1' then
    redis.call('ZREM', KEYS[i] .. 'holds', id)
    redis.call('HDEL', KEYS[i] .. 'held', id)
  end
  local before, after = -1, -1
  if micros >= 0 then
    if budget >= 0 then
      local oldest
      before, oldest = periodSum(spend, sums, start, finish, keepFrom, keepMs)
      after = before
      if bucket >= start and bucket < finish then
        after = before + micros
        local field = start .. ':' .. finish
        if oldest < 0 then redis.call('HSET', sums, field, after, field .. ':o', bucket)
        else redis.call('HSET', sums, field, after) end
      end
    end
    -- A new bucket (its total is this settle's) renews the keys' lifetime: once per 15 minutes, not per request.
    if tonumber(redis.call('HINCRBY', spend, bucket, micros)) == micros then
      redis.call('PEXPIRE', spend, keepMs)
      if budget >= 0 then redis.call('PEXPIRE', sums, keepMs) end
    end
  end
  out[#out + 1], out[#out + 2] = before, after
end
return out
`,
};

const SEED: RedisScript = {
  name: 'budgets_seed',
  keys: 2,
  lua: `
-- KEYS: a scope's spend and sums. ARGV: keepMs, then bucket, micros pairs. A bucket is written only
-- where Redis has less: every view (Redis's, each gateway's, the store's) counts part of the same
-- settles, so the largest is the closest to the truth and none counts a settle twice.
local written = 0
for i = 2, #ARGV, 2 do
  local micros = tonumber(ARGV[i + 1])
  if micros > tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '-1') then
    redis.call('HSET', KEYS[1], ARGV[i], micros)
    written = written + 1
  end
end
if written > 0 then
  redis.call('DEL', KEYS[2])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
end
return written
`,
};

/**
 * The budgets of keys and teams shared by every gateway on one Redis, in whole micro-dollars. A
 * reserve checks the period's settled spend plus live holds plus the request's worst case against
 * every budget of the request and holds it in all of them, or in none, in one script; the hold is a
 * lease (renewed while the request runs) so a dead gateway's holds vanish. A settle drops the hold
 * and adds the cost to the 15-minute bucket, and says the period's spend before and after.
 */
export class RedisBudgets {
  constructor(
    private readonly state: RedisState,
    private readonly renewer: LeaseRenewer,
    /** Buckets older than this count in no period (the longest is a 31-day month). */
    private readonly keepMs: number,
  ) {}

  /** Holds `needed` micro-dollars as `id` in every scope with a budget; `refused`: the index of the scope without room (nothing held). */
  async reserve(scopes: readonly SharedBudgetScope[], id: string, needed: number, now: number): Promise<{ refused: number | undefined; figures: SharedBudgetFigures[]; lease: Lease | undefined }> {
    const out = await this.runReserve(scopes, id, needed, now);
    const refused = (out[0] ?? 0) === 0 ? undefined : (out[0] as number) - 1;
    let lease: Lease | undefined;
    if (refused === undefined) {
      const sets = scopes.filter((scope) => scope.micros !== undefined).map((scope) => `${this.baseOf(scope.name)}holds`);
      if (sets.length > 0) {
        lease = { member: id, sets };
        this.renewer.add(lease);
      }
    }
    return { refused, figures: figuresOf(out, scopes.length), lease };
  }

  /** The standing of each scope now, holding nothing. */
  async figures(scopes: readonly SharedBudgetScope[], now: number): Promise<SharedBudgetFigures[]> {
    return figuresOf(await this.runReserve(scopes, '', -1, now), scopes.length);
  }

  /**
   * Drops the hold `id` (when `lease`) and adds `micros` (undefined: unknown, nothing charged) to the
   * bucket `bucket` of every scope; per scope, the period's spend before and after (undefined without a budget).
   */
  async settle(scopes: readonly SharedBudgetScope[], id: string, lease: Lease | undefined, micros: number | undefined, bucket: number, now: number): Promise<({ before: number; after: number } | undefined)[]> {
    if (lease) this.renewer.delete(lease);
    const args: (string | number)[] = [id, micros ?? -1, bucket, now - this.keepMs, this.keepMs];
    for (const scope of scopes) args.push(scope.micros ?? -1, scope.start, scope.end, lease?.sets.includes(`${this.baseOf(scope.name)}holds`) === true ? 1 : 0);
    const out = (await this.state.script('budgets', SETTLE, scopes.map((scope) => this.baseOf(scope.name)), args, { background: true })) as number[];
    return scopes.map((_, index) => {
      const before = out[2 * index] ?? -1;
      return before < 0 ? undefined : { before, after: out[2 * index + 1] ?? before };
    });
  }

  /** Writes the buckets of `name` where Redis has less spend than given (a Redis that restarted empty learns the month again); how many it wrote. */
  async seed(name: string, buckets: readonly { bucketStart: number; micros: number }[]): Promise<number> {
    const base = this.baseOf(name);
    const args: (string | number)[] = [this.keepMs];
    for (const { bucketStart, micros } of buckets) args.push(bucketStart, micros);
    return Number(await this.state.script('budgets', SEED, [`${base}spend`, `${base}sums`], args));
  }

  private async runReserve(scopes: readonly SharedBudgetScope[], id: string, needed: number, now: number): Promise<number[]> {
    const args: (string | number)[] = [now, this.state.leaseMs, id, needed, now - this.keepMs, this.keepMs];
    for (const scope of scopes) args.push(scope.micros ?? -1, scope.start, scope.end);
    return (await this.state.script('budgets', RESERVE, scopes.map((scope) => this.baseOf(scope.name)), args)) as number[];
  }

  /** What a scope's keys begin with: the scripts append `spend`, `holds`, `held` and `sums` (one hash tag: one slot). */
  private baseOf(name: string): string {
    return `${this.state.prefix}budget:{${name}}:`;
  }
}

function figuresOf(out: readonly number[], count: number): SharedBudgetFigures[] {
  const figures: SharedBudgetFigures[] = [];
  for (let index = 0; index < count; index++) {
    const at = 1 + 3 * index;
    const oldest = out[at + 2] ?? -1;
    figures.push({ spent: out[at] ?? 0, held: out[at + 1] ?? 0, oldest: oldest < 0 ? undefined : oldest });
  }
  return figures;
}
