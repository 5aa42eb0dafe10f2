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
    if (this.closed) throw this.closedError(concern);
    try {
      return await this.timed(command);
    } catch (error) {
      throw this.unavailable(concern, error);
    }
  }

  /** `command` within the timeout; a failure (Redis away, slow, an error answer) marks Redis down and is rethrown as it came. */
  private async timed<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
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
      this.markDown(error instanceof Error ? error.message : String(error));
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private unavailable(concern: StateConcern, error: unknown): StateUnavailableError {
    const detail = error instanceof Error ? error.message : String(error);
    return new StateUnavailableError(`shared state (${concern}) is unavailable: Redis ${redactUrl(detail)}`);
  }

  private closedError(concern: StateConcern): StateUnavailableError {
    return new StateUnavailableError(`shared state (${concern}): the Redis connection is closed`);
  }

  /**
   * Runs a script by its SHA, loading it when Redis does not know it (first use, or Redis restarted
   * empty). The scripts asked for in one go (a request's rate check and budget hold; its two
   * settles) go to Redis as ONE script that runs each of them in turn (`composedScript`, alone
   * too): one command to encode, send, time and parse instead of one per script.
   */
  script(concern: StateConcern, script: RedisScript, keys: readonly string[], args: readonly (string | number)[], options?: { background: boolean }): Promise<unknown> {
    if (this.closed) return Promise.reject(this.closedError(concern));
    return new Promise((resolve, reject) => {
      this.queued.push({ concern, script, keys, args, resolve, reject });
      this.schedule(options?.background === true);
    });
  }

  /**
   * When the queue goes out. A request waiting on Redis with nothing else awaited: at once (after the
   * current macrotask, so what it issues together goes as one; setImmediate cost ~0.1 ms per call at
   * c=1). Otherwise, and for a background call (a settle after the response), after the loop's I/O:
   * under load, what many requests issue meanwhile goes as one. A settle is not held for the next
   * request's call: at c=1 Redis runs it while the client reads the answer, off the next request's
   * path (held up to 5 ms to go with the next admission, it cost that admission ~0.05 ms).
   */
  private schedule(background: boolean): void {
    if (!background && this.sent === 0) {
      if (this.flushing !== 'tick') process.nextTick(this.flush);
      this.flushing = 'tick';
    } else if (this.flushing === undefined) {
      setImmediate(this.flush);
      this.flushing = 'immediate';
    }
  }

  private queued: ScriptCall[] = [];
  /** Script calls sent and not yet answered. */
  private sent = 0;
  /** The flush already scheduled, if any (a later one finds the queue empty). */
  private flushing: 'tick' | 'immediate' | undefined;

  private readonly flush = (): void => {
    void this.send();
  };

  /** Sends what is queued; settles when every batch sent has its answer or its failure. */
  private send(): Promise<unknown> {
    const calls = this.queued;
    this.queued = [];
    this.flushing = undefined;
    const batches: Promise<unknown>[] = [];
    for (let start = 0; start < calls.length; start += MAX_COMPOSED) {
      const batch = calls.slice(start, start + MAX_COMPOSED);
      const sent = this.closed ? Promise.reject(new Error('the connection is closed')) : this.timed((redis) => this.evalComposed(redis, batch));
      this.sent++;
      const settled = sent.then(
        (out) => {
          this.sent--;
          batch.forEach((call, index) => call.resolve((out as unknown[])[index]));
        },
        // Each caller hears of the failure under its own concern.
        (error: unknown) => {
          this.sent--;
          batch.forEach((call) => call.reject(this.unavailable(call.concern, error)));
        },
      );
      batches.push(settled);
    }
    return Promise.all(batches);
  }

  /**
   * The scripts of a batch (one or more) in one EVALSHA: KEYS are theirs end to end; their arguments
   * go as ONE argument, a JSON list of (script, key count, arguments as strings) per call. ioredis
   * encodes each argument of a command apart (~0.2 KB of garbage each, and CPU): one instead of ~40.
   */
  private evalComposed(redis: Redis, batch: readonly ScriptCall[]): Promise<unknown> {
    const scripts = [...new Set(batch.map((call) => call.script))].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const keys: string[] = [];
    const calls: [number, number, string[]][] = [];
    for (const call of batch) {
      calls.push([scripts.indexOf(call.script) + 1, call.keys.length, call.args.map(String)]);
      keys.push(...call.keys);
    }
    return this.evalScript(redis, composedScript(scripts), keys, [JSON.stringify(calls)]);
  }

  private async evalScript(redis: Redis, script: RedisScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const sha = this.shas.get(script.name) ?? (await this.load(redis, script));
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.evalsha(await this.load(redis, script), keys.length, ...keys, ...args);
    }
  }

  private readonly shas = new Map<string, string>();

  private async load(redis: Redis, script: RedisScript): Promise<string> {
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

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private closing: Promise<void> | undefined;

  private async shutDown(): Promise<void> {
    // What waits to go (a settle) goes, and is answered, before the connection's QUIT.
    if (this.queued.length > 0) await this.send();
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

type ScriptCall = {
  concern: StateConcern;
  script: RedisScript;
  keys: readonly string[];
  args: readonly (string | number)[];
  resolve: (out: unknown) => void;
  reject: (error: unknown) => void;
};

/** At most this many scripts in one composed call: a bound on one command's size and on how long Redis runs it. */
const MAX_COMPOSED = 64;

const composedScripts = new Map<string, RedisScript>();

/**
 * One script running any of `scripts` (sorted by name: the same set is the same SHA) once per
 * entry of the JSON list in ARGV[1], each with its own slice of KEYS and its own arguments, and
 * answering the list of their answers. Each runs as a Lua function whose KEYS and ARGV are its own
 * (ARGV as strings, as Redis gives them), so a script's text is unchanged; all of them run
 * atomically, one after the other.
 */
export function composedScript(scripts: readonly RedisScript[]): RedisScript {
  const name = `composed:${scripts.map((script) => script.name).join(',')}`;
  let composed = composedScripts.get(name);
  if (composed) return composed;
  const parts = scripts.map((script, index) => `parts[${index + 1}] = function(KEYS, ARGV)\n${script.lua}\nend`);
  const lua = `local parts = {}
${parts.join('\n')}
local k = 0
local out = {}
for i, call in ipairs(cjson.decode(ARGV[1])) do
  local part, nk = call[1], call[2]
  local keys = {}
  for j = 1, nk do keys[j] = KEYS[k + j] end
  k = k + nk
  local answer = parts[part](keys, call[3])
  -- An error answer fails the call, as it would alone.
  if type(answer) == 'table' and answer.err then return answer end
  -- A nil would end the list Redis returns: false keeps the place (it arrives as null).
  if answer == nil then answer = false end
  out[i] = answer
end
return out`;
  composed = { name, keys: 0, lua };
  composedScripts.set(name, composed);
  return composed;
}

function redisOptions(timeoutMs: number) {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // The commands of one tick go out in one write: a fraction of the syscalls and buffers of one
    // write each. Not the scripts: `script()` already sends what a tick asks for as one EVALSHA, and
    // a pipeline of one cost ~35 µs per request at c=1 (measured with ioredis 5).
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: ['evalsha'],
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
