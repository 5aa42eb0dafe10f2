import type { CircuitBreakerSettings } from '../spec/reliability.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

const BUCKETS = 10;
/** Each failed probe doubles the cooldown, up to this many times the configured one: a deployment down for hours costs a probe every few minutes, not every 30 s. */
const MAX_COOLDOWN_FACTOR = 10;

/**
 * Leave to make one call. `epoch` counts the times the circuit opened: the outcome of a call let
 * through before the circuit last opened is stale and changes nothing (a slow call admitted while
 * closed must not close an open circuit, nor free the slot of the probe running now).
 */
export type CircuitPermit = { readonly epoch: number; readonly probe: boolean };

/**
 * Told what happens to one breaker here, so that other gateways can learn it (`execution/share-circuit-breakers.ts`).
 * Not told of what a peer imposed (`openFor`, `closeByPeer`): a peer's news is not echoed back.
 */
export type BreakerObserver = {
  /** The circuit opened here (from closed, or after a failed probe) for `durationMs`. Settles when the others were told (or could not be). */
  onOpen(durationMs: number): Promise<void>;
  /** A probe succeeded here: the circuit closed. */
  onClose(): void;
  /** A failure while closed that did not open the circuit. Settles when it was counted (or could not be). */
  onFailure(): Promise<void>;
  /** A success while closed. */
  onSuccess(): void;
};

/**
 * A circuit breaker for one model deployment. Closed, it counts outcomes; it opens after
 * `consecutiveFailures` failures in a row, or when the failure rate over a sliding window (10
 * time buckets) reaches `errorRate` with at least `minRequests` calls in it. Open, it refuses calls
 * until `cooldownMs` has passed; then it is half-open and lets exactly one probe through at a time:
 * a success closes it, a failure opens it for another cooldown, twice as long as the last (up to
 * `MAX_COOLDOWN_FACTOR` times `cooldownMs`). No call is let through while it is open.
 */
export class CircuitBreaker {
  private opened = false;
  private openUntil = 0;
  private probeInFlight = false;
  /** Failed probes since the circuit last opened from closed: the cooldown doubles with each. */
  private failedProbes = 0;
  private epoch = 0;
  private consecutive = 0;
  private readonly bucketMs: number;
  private readonly totals = new Array<number>(BUCKETS).fill(0);
  private readonly failures = new Array<number>(BUCKETS).fill(0);
  private readonly starts = new Array<number>(BUCKETS).fill(-Infinity);
  /** Undefined unless the state is shared (Redis): the embedded default pays nothing for it. */
  observer: BreakerObserver | undefined;

  constructor(
    readonly settings: CircuitBreakerSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.bucketMs = Math.max(1, Math.ceil(settings.windowMs / BUCKETS));
  }

  state(): CircuitState {
    if (!this.opened) return 'closed';
    return this.now() < this.openUntil ? 'open' : 'half_open';
  }

  /** When an open circuit lets a probe through (epoch ms); undefined unless open. */
  retryAt(): number | undefined {
    return this.state() === 'open' ? this.openUntil : undefined;
  }

  /** Asks to make a call. Closed: yes. Open: no. Half-open: yes for one probe at a time. Pair a permit with record/release. */
  acquire(): CircuitPermit | undefined {
    const state = this.state();
    if (state === 'closed') return { epoch: this.epoch, probe: false };
    if (state === 'open' || this.probeInFlight) return undefined;
    this.probeInFlight = true;
    return { epoch: this.epoch, probe: true };
  }

  recordSuccess(permit?: CircuitPermit): void {
    if (this.isStale(permit)) return;
    if (this.opened) {
      this.reset();
      this.observer?.onClose();
      return;
    }
    this.consecutive = 0;
    this.count(false);
    this.observer?.onSuccess();
  }

  /**
   * With an observer (shared state), a promise that settles once the other gateways were told (never
   * rejects): a caller about to fail over awaits it, so that the next request, on any gateway, already
   * knows. Undefined otherwise.
   */
  recordFailure(permit?: CircuitPermit): Promise<void> | undefined {
    if (this.isStale(permit)) return undefined;
    if (this.opened) {
      // A failed probe: another cooldown, longer than the last.
      this.failedProbes++;
      return this.open();
    }
    this.consecutive++;
    const { total, failed } = this.count(true);
    const rateTripped = total >= this.settings.minRequests && failed / total >= this.settings.errorRate;
    if (this.consecutive >= this.settings.consecutiveFailures || rateTripped) return this.open();
    return this.observer?.onFailure();
  }

  /**
   * Another gateway found the deployment down: open for `remainingMs`, then probe as usual. Outcomes of
   * calls let through before are stale from now on, as after a local opening.
   */
  openFor(remainingMs: number): void {
    this.opened = true;
    this.epoch++;
    this.probeInFlight = false;
    this.consecutive = 0;
    this.openUntil = this.now() + remainingMs;
  }

  /** Another gateway's probe succeeded: closed, counting afresh. */
  closeByPeer(): void {
    this.reset();
  }

  /** A call that ended without saying anything about the deployment (the client went away, the request was invalid). */
  release(permit?: CircuitPermit): void {
    if (!this.isStale(permit) && (permit === undefined || permit.probe)) this.probeInFlight = false;
  }

  private isStale(permit: CircuitPermit | undefined): boolean {
    return permit !== undefined && permit.epoch !== this.epoch;
  }

  private open(): Promise<void> | undefined {
    this.opened = true;
    this.epoch++;
    this.probeInFlight = false;
    const { cooldownMs } = this.settings;
    const durationMs = Math.min(cooldownMs * 2 ** this.failedProbes, cooldownMs * MAX_COOLDOWN_FACTOR);
    this.openUntil = this.now() + durationMs;
    return this.observer?.onOpen(durationMs);
  }

  private reset(): void {
    this.opened = false;
    this.probeInFlight = false;
    this.failedProbes = 0;
    this.consecutive = 0;
    this.totals.fill(0);
    this.failures.fill(0);
    this.starts.fill(-Infinity);
  }

  /** Adds an outcome to the window and returns the window's totals. */
  private count(failed: boolean): { total: number; failed: number } {
    const now = this.now();
    const start = now - (now % this.bucketMs);
    const index = Math.floor(start / this.bucketMs) % BUCKETS;
    if (this.starts[index] !== start) {
      this.starts[index] = start;
      this.totals[index] = 0;
      this.failures[index] = 0;
    }
    this.totals[index] = (this.totals[index] ?? 0) + 1;
    if (failed) this.failures[index] = (this.failures[index] ?? 0) + 1;
    let total = 0;
    let failures = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      if ((this.starts[bucket] ?? -Infinity) > now - this.settings.windowMs) {
        total += this.totals[bucket] ?? 0;
        failures += this.failures[bucket] ?? 0;
      }
    }
    return { total, failed: failures };
  }
}

/** What `retry-after` says when the circuit in the way is half-open, its probe running: the probe's verdict is the next thing to wait for, and a second is the least the header can say. */
const PROBE_RETRY_AFTER_MS = 1_000;

/** One breaker per model deployment (catalog model), built at startup. */
export class CircuitBreakers {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(
    models: Iterable<{ name: string; reliability: { circuitBreaker: CircuitBreakerSettings } }>,
    private readonly now: () => number = Date.now,
    /** A breaker to keep for a model (its state carries over a config reload); undefined: a new one. */
    inherit: (model: string) => CircuitBreaker | undefined = () => undefined,
  ) {
    for (const model of models) this.breakers.set(model.name, inherit(model.name) ?? new CircuitBreaker(model.reliability.circuitBreaker, now));
  }

  get(model: string): CircuitBreaker | undefined {
    return this.breakers.get(model);
  }

  entries(): IterableIterator<[string, CircuitBreaker]> {
    return this.breakers.entries();
  }

  /** For routing: when an open circuit's cooldown ends; undefined when the model can be called. */
  openUntil(model: string): number | undefined {
    return this.breakers.get(model)?.retryAt();
  }

  /**
   * For a client refused because the circuits of `models` are not closed: how long until one of them
   * lets a call through (the soonest end of a cooldown). Undefined when none of them is in the way.
   */
  retryAfterMs(models: Iterable<string>): number | undefined {
    let soonest: number | undefined;
    for (const model of models) {
      const breaker = this.breakers.get(model);
      const state = breaker?.state();
      if (state === undefined || state === 'closed') continue;
      const wait = state === 'open' ? Math.max(0, (breaker?.retryAt() ?? 0) - this.now()) : PROBE_RETRY_AFTER_MS;
      soonest = Math.min(soonest ?? wait, wait);
    }
    return soonest;
  }

  /** Every model's state, for metrics and the dashboard. */
  states(): Map<string, CircuitState> {
    return new Map([...this.breakers].map(([name, breaker]) => [name, breaker.state()]));
  }
}
