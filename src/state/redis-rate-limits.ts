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

// Per scope: a ZSET of request ids scored by admission time (the window's log), a HASH of their
// tokens, the running token sum, and a ZSET of leases scored by expiry (requests in flight).
// Every scope is checked first and counted only when all have room: all or nothing, one round trip.
const COMMON_LUA = `
local function expire(log, tok, sum, leases, now, window)
  local old = redis.call('ZRANGEBYSCORE', log, '-inf', now - window)
  for first = 1, #old, 500 do
    local chunk = {unpack(old, first, math.min(first + 499, #old))}
    local gone = 0
    for _, count in ipairs(redis.call('HMGET', tok, unpack(chunk))) do gone = gone + (tonumber(count) or 0) end
    redis.call('HDEL', tok, unpack(chunk))
    redis.call('DECRBY', sum, gone)
  end
  if #old > 0 then redis.call('ZREMRANGEBYSCORE', log, '-inf', now - window) end
  redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
end
local function newest(log)
  local entry = redis.call('ZRANGE', log, -1, -1, 'WITHSCORES')
  if #entry == 0 then return -1 end
  return tonumber(entry[2])
end
`;

const ADMIT: RedisScript = {
  name: 'rate_limits_admit',
  // Four keys per scope, as many scopes as the call passes.
  keys: 0,
  lua: `${COMMON_LUA}
-- ARGV: now, window, lease, id, count (1: count when all fit, 0: only read), retry, then per scope rpm, tpm, max_concurrent (-1: none), tokens
local now, window, lease, id, count, retry = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5] == '1', tonumber(ARGV[6])
local scopes = #KEYS / 4
local figures = {}
local refused = false
for i = 1, scopes do
  local log, tok, sum, leases = KEYS[4 * i - 3], KEYS[4 * i - 2], KEYS[4 * i - 1], KEYS[4 * i]
  local base = 6 + 4 * (i - 1)
  local rpm, tpm, conc, tokens = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]), tonumber(ARGV[base + 4])
  expire(log, tok, sum, leases, now, window)
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
        left = left - (tonumber(redis.call('HGET', tok, entries[e])) or 0)
        tpmUntil = tonumber(entries[e + 1]) + window
      end
    end
    if conc >= 0 and inflight >= conc then concUntil = now + retry end
    if rpmUntil >= 0 or tpmUntil >= 0 or concUntil >= 0 then refused = true end
  end
  figures[i] = {requests, used, inflight, rpmUntil, tpmUntil, concUntil, log, tok, sum, leases, tokens}
end
local out = {(count and not refused) and 1 or 0}
for i = 1, scopes do
  local f = figures[i]
  if count and not refused then
    redis.call('ZADD', f[7], now, id)
    redis.call('HSET', f[8], id, f[11])
    redis.call('INCRBY', f[9], f[11])
    redis.call('ZADD', f[10], now + lease, id)
    -- The window's keys go when idle; the leases' set empties as they expire (Redis drops an empty set), and is never cut short under a long request.
    for k = 7, 9 do redis.call('PEXPIRE', f[k], window + lease) end
    f[1], f[2], f[3] = f[1] + 1, f[2] + f[11], f[3] + 1
  end
  local last = newest(f[7])
  for _, value in ipairs({f[1], f[2], last, f[3], f[4], f[5], f[6]}) do out[#out + 1] = value end
end
return out
`,
};

const SETTLE: RedisScript = {
  name: 'rate_limits_settle',
  // Four keys per scope, as many scopes as the call passes.
  keys: 0,
  lua: `
-- ARGV: id, used (-1: unknown, the estimate stays). A request already out of the window stays out.
local id, used = ARGV[1], tonumber(ARGV[2])
for i = 1, #KEYS / 4 do
  local log, tok, sum, leases = KEYS[4 * i - 3], KEYS[4 * i - 2], KEYS[4 * i - 1], KEYS[4 * i]
  redis.call('ZREM', leases, id)
  if used >= 0 and redis.call('ZSCORE', log, id) then
    local before = tonumber(redis.call('HGET', tok, id) or '0')
    redis.call('HSET', tok, id, used)
    redis.call('INCRBY', sum, used - before)
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
    const keys = scopes.flatMap((scope) => this.keysOf(scope.name));
    const args: (string | number)[] = [now, this.windowMs, this.state.leaseMs, id, 1, this.retryMs];
    for (const scope of scopes) args.push(scope.rpm ?? -1, scope.tpm ?? -1, scope.maxConcurrent ?? -1, scope.tokens);
    const out = (await this.state.script('rate_limits', ADMIT, keys, args)) as number[];
    const ok = out[0] === 1;
    let lease: Lease | undefined;
    if (ok) {
      lease = { member: id, sets: scopes.map((scope) => this.keysOf(scope.name)[3] as string) };
      this.renewer.add(lease);
    }
    return { ok, figures: scopes.map((_, index) => figuresAt(out, 1 + index * FIGURES)), lease };
  }

  /** The window of one scope now, counting nothing. */
  async window(name: string, now: number): Promise<SharedRateFigures> {
    const out = (await this.state.script('rate_limits', ADMIT, this.keysOf(name), [now, this.windowMs, this.state.leaseMs, '', 0, this.retryMs, -1, -1, -1, 0])) as number[];
    return figuresAt(out, 1);
  }

  /** Frees the request's slots and replaces its token estimate with `used` (undefined: unknown); stops renewing its lease. */
  async settle(scopeNames: readonly string[], lease: Lease, used: number | undefined): Promise<void> {
    this.renewer.delete(lease);
    await this.state.script('rate_limits', SETTLE, scopeNames.flatMap((name) => this.keysOf(name)), [lease.member, used ?? -1], { background: true });
  }

  private keysOf(name: string): string[] {
    const base = `${this.state.prefix}rl:{${name}}:`;
    return [`${base}log`, `${base}tok`, `${base}sum`, `${base}lease`];
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
