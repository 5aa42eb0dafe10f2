import { randomUUID } from 'node:crypto';
import type { RedisScript, RedisState } from './redis-state.js';

/** What the shared count needs of a deployment's breaker settings. */
export type SharedBreakerSettings = { readonly consecutiveFailures: number; readonly windowMs: number; readonly cooldownMs: number };

/** This gateway's breakers, as the shared side drives them when a peer opened or closed a circuit. */
export type LocalCircuits = {
  openFor(model: string, remainingMs: number): void;
  closeByPeer(model: string): void;
};

const CHANNEL = 'breakers';

/**
 * A failure while closed: counts it in the deployment's shared consecutive-failure count (which
 * expires with the breaker's window); the one that reaches the threshold opens the circuit for
 * every gateway (the marker lives for the cooldown) and says so. An open circuit counts nothing.
 * KEYS: count, marker. ARGV: threshold, window ms, cooldown ms, channel, model, origin.
 * Returns the count, or 0 when this failure opened the circuit, or minus the milliseconds it stays
 * open when it was open already (this gateway missed the news: a reconnection, a late start).
 */
const FAIL: RedisScript = {
  name: 'breaker_fail',
  keys: 2,
  lua: `
local open = redis.call('PTTL', KEYS[2])
if open > 0 then return -open end
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if n >= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], ARGV[6], 'PX', ARGV[3])
  redis.call('PUBLISH', ARGV[4], cjson.encode({t = 'open', m = ARGV[5], ms = tonumber(ARGV[3]), o = ARGV[6]}))
  return 0
end
redis.call('PUBLISH', ARGV[4], cjson.encode({t = 'count', m = ARGV[5], n = n, o = ARGV[6]}))
return n`,
};

/** This gateway opened the circuit itself (its own count, or a failed probe): marker for the cooldown, and the news. KEYS: count, marker. ARGV: duration ms, channel, model, origin. */
const OPEN: RedisScript = {
  name: 'breaker_open',
  keys: 2,
  lua: `
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[1])
redis.call('PUBLISH', ARGV[2], cjson.encode({t = 'open', m = ARGV[3], ms = tonumber(ARGV[1]), o = ARGV[4]}))
return 1`,
};

/** A probe succeeded, or a success broke a run of failures: the count (and the marker) go, and every gateway hears it. KEYS: count, marker. ARGV: channel, model, origin, kind. */
const CLEAR: RedisScript = {
  name: 'breaker_clear',
  keys: 2,
  lua: `
redis.call('DEL', KEYS[1])
if ARGV[4] == 'close' then redis.call('DEL', KEYS[2]) end
redis.call('PUBLISH', ARGV[1], cjson.encode({t = ARGV[4], m = ARGV[2], n = 0, o = ARGV[3]}))
return 1`,
};

type Message = { t?: unknown; m?: unknown; ms?: unknown; n?: unknown; o?: unknown };

/**
 * Circuit breakers shared by every gateway on one Redis: one gateway's discovery that a deployment is
 * down opens its circuit everywhere, so a dead upstream sees the breaker's threshold of calls in all,
 * not once per gateway. Failures are counted in Redis (one script per failure); successes cost a
 * round trip only when the shared count is known to be above zero (each gateway mirrors it from the
 * published counts). The gateway that opened a circuit probes first, at the end of the cooldown;
 * the others wait one more cooldown for its verdict (a close, or a longer opening), and probe
 * themselves only if none came (that gateway died or gets no traffic). Redis away: each gateway's
 * breakers work on their own, as without Redis; the failed commands are counted (`breakers`).
 */
export class SharedBreakers {
  /** Tells this process's messages from its peers' (a gateway ignores its own news). */
  private readonly origin = randomUUID();
  /** The shared failure count of each deployment, as last published. */
  private readonly counts = new Map<string, number>();
  private local: LocalCircuits | undefined;
  private subscribed = false;

  constructor(private readonly state: RedisState) {}

  /**
   * Drives `local` from now on (a config reload attaches the new gateway's breakers) and opens those
   * whose circuit is open in Redis (a gateway starting while a deployment is down).
   */
  attach(local: LocalCircuits, models: Iterable<{ name: string; settings: SharedBreakerSettings }>): void {
    this.local = local;
    if (!this.subscribed) {
      this.subscribed = true;
      this.state.subscribe(CHANNEL, (message) => this.receive(message));
    }
    void this.loadOpen([...models]);
  }

  /** A failure here while closed that did not open the local circuit. Settles once counted (or not: Redis away); never rejects. */
  failed(model: string, settings: SharedBreakerSettings): Promise<void> {
    const { consecutiveFailures, windowMs, cooldownMs } = settings;
    return this.state
      .script('breakers', FAIL, this.keys(model), [consecutiveFailures, windowMs, cooldownMs, this.channel, model, this.origin])
      .then((result) => {
        const count = Number(result);
        if (count === 0) {
          this.counts.set(model, 0);
          this.local?.openFor(model, cooldownMs);
        } else if (count > 0) this.counts.set(model, count);
        // Another gateway opened it and this one did not hear: as if it had (it waits for that gateway's probe).
        else if (count < 0) this.local?.openFor(model, -count + cooldownMs);
      })
      .catch(() => this.state.countFallback('breakers'));
  }

  /** A success here while closed: resets the shared count when it is known to be above zero (else free). */
  succeeded(model: string): void {
    if ((this.counts.get(model) ?? 0) === 0) return;
    this.counts.set(model, 0);
    this.clear(model, 'count');
  }

  /** The circuit opened here for `durationMs`: every gateway opens it. Settles once told (or not: Redis away); never rejects. */
  opened(model: string, durationMs: number): Promise<void> {
    this.counts.set(model, 0);
    return this.state.script('breakers', OPEN, this.keys(model), [durationMs, this.channel, model, this.origin]).then(
      () => undefined,
      () => this.state.countFallback('breakers'),
    );
  }

  /** A probe succeeded here: every gateway closes the circuit. */
  closed(model: string): void {
    this.counts.set(model, 0);
    this.clear(model, 'close');
  }

  private clear(model: string, kind: 'count' | 'close'): void {
    this.state.script('breakers', CLEAR, this.keys(model), [this.channel, model, this.origin, kind]).catch(() => this.state.countFallback('breakers'));
  }

  private receive(text: string): void {
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      return;
    }
    const model = message.m;
    if (typeof model !== 'string') return;
    if (message.t === 'count' && typeof message.n === 'number') {
      this.counts.set(model, message.n);
      return;
    }
    if (message.o === this.origin) return;
    if (message.t === 'open' && typeof message.ms === 'number') {
      this.counts.set(model, 0);
      // The opener probes at the end of `ms`; this gateway waits as long again for its verdict.
      this.local?.openFor(model, message.ms * 2);
    } else if (message.t === 'close') {
      this.counts.set(model, 0);
      this.local?.closeByPeer(model);
    }
  }

  private async loadOpen(models: { name: string; settings: SharedBreakerSettings }[]): Promise<void> {
    if (models.length === 0) return;
    try {
      const remaining = await this.state.run('breakers', async (redis) => {
        const pipeline = redis.pipeline();
        for (const { name } of models) pipeline.pttl(this.keys(name)[1]);
        // A pipeline resolves with each command's error: one of them is a failure of the whole read.
        return ((await pipeline.exec()) ?? []).map(([error, value]) => {
          if (error) throw error;
          return Number(value);
        });
      });
      models.forEach(({ name, settings }, index) => {
        const ms = remaining[index] ?? -1;
        if (ms > 0) this.local?.openFor(name, ms + settings.cooldownMs);
      });
    } catch {
      this.state.countFallback('breakers');
    }
  }

  private get channel(): string {
    return this.state.prefix + CHANNEL;
  }

  private keys(model: string): [string, string] {
    const base = `${this.state.prefix}breaker:${model}`;
    return [`${base}:failures`, `${base}:open`];
  }
}
