import type { Lease, LeaseRenewer } from './lease-renewer.js';
import type { RedisScript, RedisState } from './redis-state.js';

/** One key or team whose limits a request is counted against, as the script sees it (`undefined`: no such limit). */
export type SharedRateScope = {
  /** `key:<id>` or `team:<name>`: the Redis keys of its counters are named after it. */
  readonly name: string;
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  readonly maxConcurrent: number | undefined;
  /** The tokens the request counts for in this scope (its estimate, capped at the scope's tpm). */
  readonly tokens: number;
};

/** A scope's window as the script left it, and when each limit in its way has room again (epoch ms; undefined: not in the way). */
export type SharedRateFigures = {
  requests: number;
  tokens: number;
  /** When the newest request of the window was admitted (undefined: the window is empty). */
  newestAt: number | undefined;
  inFlight: number;
  refusedUntil: { rpm: number | undefined; tpm: number | undefined; maxConcurrent: number | undefined };
};

/** What admitting a request did: counted in every scope, or in none (`ok` false: some limit is full). */
export type SharedRateAdmission = { ok: boolean; figures: SharedRateFigures[]; lease: Lease | undefined };

// Per scope (its keys named after the base the script is given): a ZSET of the window's requests
// scored by admission time, each member `id|tokens` (the tokens it counts for, so a request that
// leaves the window takes its tokens off the running sum without another lookup), the running token
// sum, and a ZSET of leases scored by expiry (requests in flight). Every scope is checked first and
// counted only when all have room: all or nothing, one round trip. Commands are few on purpose: each
// costs Redis a few µs, and at c=1 every one of them is in the request's latency.
const COMMON_LUA = `
local function tokensOf(member) return tonumber(string.match(member, '|([^|]*)$')) or 0 end
local function expire(log, sum, leases, now, window)
  local old = redis.call('ZRANGEBYSCORE', log, '-inf', now - window)
  if #old > 0 then
    local gone = 0
    for _, member in ipairs(old) do gone = gone + tokensOf(member) end
    redis.call('DECRBY', sum, gone)
    redis.call('ZREMRANGEBYSCORE', log, '-inf', now - window)
  end
  redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
end
`;

const ADMIT: RedisScript = {
  name: 'rate_limits_admit',
  // One key per scope (the base of its keys), as many scopes as the call passes.
  keys: 0,
  lua: `${COMMON_LUA}
-- ARGV: now, window, lease, id, count (1: count when all fit, 0: only read), retry, then per scope rpm, tpm, max_concurrent (-1: none), tokens
local now, window, lease, id, count, retry = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5] == '1', tonumber(ARGV[6])
local figures = {}
local refused = false
for i = 1, #KEYS do
  local log, sum, leases = KEYS[i] .. 'log', KEYS[i] .. 'sum', KEYS[i] .. 'lease'
  local base = 6 + 4 * (i - 1)
  local rpm, tpm, conc, tokens = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]), tonumber(ARGV[base + 4])
  expire(log, sum, leases, now, window)
  local requests = redis.call('ZCARD', log)
  local used = tonumber(redis.call('GET', sum) or '0')
  local inflight = redis.call('ZCARD', leases)
  local rpmUntil, tpmUntil, concUntil = -1, -1, -1
  if count then
    if rpm >= 0 and requests >= rpm then
      local entry = redis.call('ZRANGE', log, requests - rpm, requests - rpm, 'WITHSCORES')
      rpmUntil = #entry == 0 and now + window or tonumber(entry[2]) + window
    end
    if tpm >= 0 and used + tokens > tpm then
      local entries = redis.call('ZRANGE', log, 0, -1, 'WITHSCORES')
      local left = used
      tpmUntil = now
      for e = 1, #entries, 2 do
        if left + tokens <= tpm then break end
        left = left - tokensOf(entries[e])
        tpmUntil = tonumber(entries[e + 1]) + window
      end
    end
    if conc >= 0 and inflight >= conc then concUntil = now + retry end
    if rpmUntil >= 0 or tpmUntil >= 0 or concUntil >= 0 then refused = true end
  end
  figures[i] = {requests, used, inflight, rpmUntil, tpmUntil, concUntil, log, sum, leases, tokens}
end
local admitted = count and not refused
local out = {admitted and 1 or 0}
for i = 1, #KEYS do
  local f = figures[i]
  local last
  if admitted then
    redis.call('ZADD', f[7], now, id .. '|' .. f[10])
    redis.call('INCRBY', f[8], f[10])
    redis.call('ZADD', f[9], now + lease, id)
    -- The window's keys go when idle; the leases' set empties as they expire (Redis drops an empty set), and is never cut short under a long request.
    redis.call('PEXPIRE', f[7], window + lease)
    redis.call('PEXPIRE', f[8], window + lease)
    f[1], f[2], f[3] = f[1] + 1, f[2] + f[10], f[3] + 1
    last = now
  else
    local entry = redis.call('ZRANGE', f[7], -1, -1, 'WITHSCORES')
    last = #entry == 0 and -1 or tonumber(entry[2])
  end
  for _, value in ipairs({f[1], f[2], last, f[3], f[4], f[5], f[6]}) do out[#out + 1] = value end
end
return out
`,
};

const SETTLE: RedisScript = {
  name: 'rate_limits_settle',
  // One key per scope (the base of its keys), as many scopes as the call passes.
  keys: 0,
  lua: `
-- ARGV: id, used (-1: unknown, the estimate stays), then per scope the tokens it was admitted with. A request already out of the window stays out.
local id, used = ARGV[1], tonumber(ARGV[2])
for i = 1, #KEYS do
  local log = KEYS[i] .. 'log'
  redis.call('ZREM', KEYS[i] .. 'lease', id)
  local estimate = tonumber(ARGV[2 + i])
  if used >= 0 and used ~= estimate then
    local member = id .. '|' .. estimate
    local admitted = redis.call('ZSCORE', log, member)
    if admitted then
      -- Added before the old one goes: a log left empty for a moment would be deleted, and come back without its expiry.
      redis.call('ZADD', log, admitted, id .. '|' .. used)
      redis.call('ZREM', log, member)
      redis.call('INCRBY', KEYS[i] .. 'sum', used - estimate)
    end
  end
end
return 1
`,
};

const FIGURES = 7;

/**
 * The rate limits of keys and teams shared by every gateway on one Redis: an exact sliding-window
 * log per scope (rpm, tpm) and leases for `max_concurrent`, checked and counted for all the scopes
 * of a request in one Lua script. Time is the gateways' clock (passed in), as in one process.
 */
export class RedisRateLimits {
  constructor(
    private readonly state: RedisState,
    private readonly renewer: LeaseRenewer,
    private readonly windowMs: number,
    private readonly retryMs: number,
  ) {}

  /** Counts the request `id` in every scope when all have room, else in none; rejects with a StateUnavailableError. */
  async admit(scopes: readonly SharedRateScope[], id: string, now: number): Promise<SharedRateAdmission> {
    const keys = scopes.map((scope) => this.baseOf(scope.name));
    const args: (string | number)[] = [now, this.windowMs, this.state.leaseMs, id, 1, this.retryMs];
    for (const scope of scopes) args.push(scope.rpm ?? -1, scope.tpm ?? -1, scope.maxConcurrent ?? -1, scope.tokens);
    const out = (await this.state.script('rate_limits', ADMIT, keys, args)) as number[];
    const ok = out[0] === 1;
    let lease: Lease | undefined;
    if (ok) {
      lease = { member: id, sets: scopes.map((scope) => `${this.baseOf(scope.name)}lease`) };
      this.renewer.add(lease);
    }
    return { ok, figures: scopes.map((_, index) => figuresAt(out, 1 + index * FIGURES)), lease };
  }

  /** The window of one scope now, counting nothing. */
  async window(name: string, now: number): Promise<SharedRateFigures> {
    const out = (await this.state.script('rate_limits', ADMIT, [this.baseOf(name)], [now, this.windowMs, this.state.leaseMs, '', 0, this.retryMs, -1, -1, -1, 0])) as number[];
    return figuresAt(out, 1);
  }

  /** Frees the request's slots and replaces its token estimate with `used` (undefined: unknown); stops renewing its lease. */
  async settle(scopes: readonly Pick<SharedRateScope, 'name' | 'tokens'>[], lease: Lease, used: number | undefined): Promise<void> {
    this.renewer.delete(lease);
    const args: (string | number)[] = [lease.member, used ?? -1];
    for (const scope of scopes) args.push(scope.tokens);
    await this.state.script('rate_limits', SETTLE, scopes.map((scope) => this.baseOf(scope.name)), args, { background: true });
  }

  /** What a scope's keys begin with: the script appends `log`, `sum` and `lease` (one hash tag: one slot). */
  private baseOf(name: string): string {
    return `${this.state.prefix}rate:{${name}}:`;
  }
}

function figuresAt(out: readonly number[], at: number): SharedRateFigures {
  const value = (offset: number): number => out[at + offset] ?? -1;
  const until = (offset: number): number | undefined => (value(offset) < 0 ? undefined : value(offset));
  return {
    requests: value(0),
    tokens: value(1),
    newestAt: until(2),
    inFlight: value(3),
    refusedUntil: { rpm: until(4), tpm: until(5), maxConcurrent: until(6) },
  };
}
