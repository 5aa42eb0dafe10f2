import { Redis } from 'ioredis';
import { StateUnavailableError } from '../errors/request-errors.js';

export type RedisStateOptions = {
  url: string;
  /** Every key and channel name starts with it. */
  keyPrefix: string;
  /** No command waits longer than this: past it, the caller's fallback applies. */
  timeoutMs: number;
  /** How long a lease (a concurrency slot, a budget hold) outlives a gateway that stopped renewing it. */
  leaseMs: number;
  /** Told once when Redis goes away and once when it is back (not once per command). */
  onStatus?: ((status: 'down' | 'up', detail: string) => void) | undefined;
};

/** What may fall back when Redis cannot answer: counted per concern in `switchyard_state_fallbacks_total`. */
export type StateConcern = 'rate_limits' | 'budgets' | 'breakers' | 'caches' | 'revocations' | 'load';

/** A Lua script, run with EVALSHA and loaded on first use (and again after a Redis restart). */
export type RedisScript = { readonly name: string; readonly keys: number; readonly lua: string };

/**
 * The connection every shared counter of this gateway goes through. Commands never queue while
 * Redis is away (`enableOfflineQueue: false`): they fail at once, and a command that takes longer
 * than `timeoutMs` fails too, so no request waits on Redis past its bound. ioredis reconnects by
 * itself; the subscriber connection resubscribes. Failures are counted per concern for `/metrics`.
 */
export class RedisState {
  readonly prefix: string;
  readonly leaseMs: number;
  private readonly client: Redis;
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();
  private readonly fallbackCounts = new Map<StateConcern, number>();
  private down = false;
  private closed = false;

  constructor(private readonly options: RedisStateOptions) {
    this.prefix = options.keyPrefix;
    this.leaseMs = options.leaseMs;
    this.client = new Redis(options.url, redisOptions(options.timeoutMs));
    this.client.on('error', (error: Error) => this.markDown(error.message));
    this.client.on('ready', () => this.markUp());
    this.client.on('end', () => this.markDown('connection closed'));
  }

  /** Whether the last command or connection attempt reached Redis. */
  get available(): boolean {
    return !this.down && this.client.status === 'ready';
  }

  /** Waits (at most `waitMs`) for the first connection: startup logs whether Redis is there, and serves either way. */
  async ready(waitMs = 2_000): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        resolve(false);
      }, waitMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.client.once('ready', onReady);
    });
  }

  /**
   * Runs `command` on the connection within the timeout; rejects with a StateUnavailableError naming
   * `concern` when Redis is away, slow or answers with an error.
   */
  async run<T>(concern: StateConcern, command: (redis: Redis) => Promise<T>): Promise<T> {
    if (this.closed) throw new StateUnavailableError(`shared state (${concern}): the Redis connection is closed`);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        // Rejected from setImmediate, after the poll phase: on a saturated event loop an expired timer
        // runs before the socket is read, and an answer already in its buffer must still win.
        timer = setTimeout(() => setImmediate(() => reject(new Error(`no answer within ${this.options.timeoutMs} ms`))), this.options.timeoutMs);
      });
      const result = await Promise.race([command(this.client), timeout]);
      if (this.down) this.markUp();
      return result;
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.markDown(detail);
      throw new StateUnavailableError(`shared state (${concern}) is unavailable: Redis ${redactUrl(detail)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs a script by its SHA, loading it when Redis does not know it (first use, or Redis restarted empty). */
  async script(concern: StateConcern, script: RedisScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return this.run(concern, async (redis) => {
      const sha = await this.shaOf(redis, script);
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        this.shas.delete(script.name);
        return redis.evalsha(await this.shaOf(redis, script), keys.length, ...keys, ...args);
      }
    });
  }

  private readonly shas = new Map<string, string>();

  private async shaOf(redis: Redis, script: RedisScript): Promise<string> {
    const known = this.shas.get(script.name);
    if (known !== undefined) return known;
    const sha = String(await redis.script('LOAD', script.lua));
    this.shas.set(script.name, sha);
    return sha;
  }

  /** Counts a fallback of `concern` to this process (Redis away, `on_failure: open`). */
  countFallback(concern: StateConcern): void {
    this.fallbackCounts.set(concern, (this.fallbackCounts.get(concern) ?? 0) + 1);
  }

  /** Fallbacks so far, per concern, for `/metrics`. */
  fallbacks(): ReadonlyMap<StateConcern, number> {
    return this.fallbackCounts;
  }

  /** Publishes on a channel of this prefix; a failure is counted, never thrown (signals are best effort). */
  publish(concern: StateConcern, channel: string, message: string): void {
    this.run(concern, (redis) => redis.publish(this.prefix + channel, message)).catch(() => this.countFallback(concern));
  }

  /** Calls `handler` with every message published on `channel` (of this prefix) by any gateway, this one included. */
  subscribe(channel: string, handler: (message: string) => void): void {
    const name = this.prefix + channel;
    let set = this.handlers.get(name);
    if (!set) {
      set = new Set();
      this.handlers.set(name, set);
      const subscriber = this.subscriberConnection();
      subscriber.subscribe(name).catch(() => undefined);
    }
    set.add(handler);
  }

  private subscriberConnection(): Redis {
    if (this.subscriber) return this.subscriber;
    // Its SUBSCRIBE may wait for the connection (queued): only it, never a request, waits on it.
    const subscriber = new Redis(this.options.url, { ...redisOptions(this.options.timeoutMs), enableOfflineQueue: true });
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(message);
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.client.quit().catch(() => this.client.disconnect()), this.subscriber?.quit().catch(() => this.subscriber?.disconnect())]);
  }

  private markDown(detail: string): void {
    if (this.down || this.closed) return;
    this.down = true;
    this.options.onStatus?.('down', redactUrl(detail));
  }

  private markUp(): void {
    if (!this.down) return;
    this.down = false;
    this.options.onStatus?.('up', 'reconnected');
  }
}

function redisOptions(timeoutMs: number) {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // The commands of one tick (a request's admission and budget read; the settles of many requests
    // under load) go out in one write: a fraction of the syscalls and buffers of one write each.
    enableAutoPipelining: true,
    connectTimeout: Math.max(1_000, timeoutMs * 10),
    // Reconnect forever, at most every 2 s: the gateway serves meanwhile, by its fallbacks.
    retryStrategy: (times: number) => Math.min(times * 100, 2_000),
    lazyConnect: false,
  };
}

/** A URL in an error message loses its password. */
function redactUrl(text: string): string {
  return text.replace(/(rediss?:\/\/[^:@/\s]*:)[^@\s]+@/g, '$1***@');
}
