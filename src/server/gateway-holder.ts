import type { Gateway } from '../gateway/gateway.js';

/** One gateway and how many requests are in flight on it. */
export class GatewaySlot {
  active = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly gateway: Gateway) {}

  /** Resolves once no request is in flight on this gateway. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Called by the holder when a request on it is done. */
  left(): void {
    if (--this.active > 0 || this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * The gateway that serves new requests. A config reload swaps in a new one at once; a request keeps
 * the gateway it started on to its end, and a replaced gateway is retired (its providers closed, the
 * shared trace store left open) once its last request is done. Per request: `enter` and `leave`, a
 * property read and two counters.
 */
export class GatewayHolder {
  private current: GatewaySlot;
  private readonly total: GatewaySlot;
  private readonly retiring = new Set<Promise<unknown>>();

  constructor(gateway: Gateway) {
    this.current = new GatewaySlot(gateway);
    // Counts every request whatever its gateway: what a shutdown waits for.
    this.total = new GatewaySlot(gateway);
  }

  /** The gateway new requests go to. */
  get gateway(): Gateway {
    return this.current.gateway;
  }

  /** Requests in flight, on every gateway. */
  get inFlight(): number {
    return this.total.active;
  }

  /** Starts a request on the current gateway; pair with `leave`. */
  enter(): GatewaySlot {
    const slot = this.current;
    slot.active++;
    this.total.active++;
    return slot;
  }

  leave(slot: GatewaySlot): void {
    slot.left();
    this.total.left();
  }

  /** New requests go to `next` from now on; resolves once the gateway it replaces is retired. */
  replace(next: Gateway): Promise<void> {
    const previous = this.current;
    this.current = new GatewaySlot(next);
    const retired = previous.idle().then(() => previous.gateway.retire());
    const tracked: Promise<unknown> = retired.catch(() => undefined).finally(() => this.retiring.delete(tracked));
    this.retiring.add(tracked);
    return retired;
  }

  /** Resolves once no request is in flight. */
  idle(): Promise<void> {
    return this.total.idle();
  }

  /** Resolves once every replaced gateway is retired (whether its providers closed cleanly or not). */
  async retired(): Promise<void> {
    await Promise.all(this.retiring);
  }
}
