import type { RedisState } from './redis-state.js';

/** One lease of a request in flight: its member in each lease ZSET (scored by expiry) it holds a slot of. */
export type Lease = { readonly member: string; readonly sets: readonly string[] };

/**
 * Keeps the leases of this gateway's requests in flight alive: every `leaseMs / 3`, one pipelined
 * call pushes each lease's expiry to `now + leaseMs` (ZADD XX: a lease already freed or expired is
 * not brought back). A gateway that dies stops renewing, and its slots and holds expire within
 * `leaseMs`. The timer runs only while leases are held and never keeps the process alive.
 */
export class LeaseRenewer {
  private readonly leases = new Set<Lease>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly state: RedisState,
    private readonly now: () => number = Date.now,
  ) {}

  add(lease: Lease): void {
    this.leases.add(lease);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.renew(), Math.max(1, Math.floor(this.state.leaseMs / 3)));
      this.timer.unref();
    }
  }

  delete(lease: Lease): void {
    this.leases.delete(lease);
    if (this.leases.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private renew(): void {
    const expiry = this.now() + this.state.leaseMs;
    const leases = [...this.leases];
    // A renewal that fails (Redis away) is not retried: the next one follows, or the lease expires.
    this.state
      .run('rate_limits', (redis) => {
        const pipeline = redis.pipeline();
        for (const lease of leases) for (const set of lease.sets) pipeline.zadd(set, 'XX', expiry, lease.member);
        return pipeline.exec();
      })
      .catch(() => undefined);
  }
}
