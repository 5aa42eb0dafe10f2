import { randomUUID } from 'node:crypto';
import type { RedisState } from './redis-state.js';

const CHANNEL = 'load';
/** How often a gateway tells the others its calls in flight (when it has any, or they just ended). */
export const LOAD_PUBLISH_MS = 250;
/** A peer not heard from for this long is gone (stopped, crashed, cut off): its calls no longer count. */
const PEER_EXPIRY_MS = 4 * LOAD_PUBLISH_MS;

/** This gateway's calls in flight per deployment, as `DeploymentLoad` counts them. */
export type LocalLoad = { snapshot(): Map<string, number> };

type Peer = { counts: Record<string, number>; heardAt: number };

/**
 * Calls in flight per deployment across the gateways on one Redis, for `loadbalance` least-busy:
 * each gateway publishes its own counts at most every `LOAD_PUBLISH_MS` (never per request) and
 * adds the others' last figures to its own. Best effort: Redis away, each gateway sees its own calls.
 */
export class SharedLoad {
  private readonly origin = randomUUID();
  private readonly peers = new Map<string, Peer>();
  private local: LocalLoad | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Whether the last snapshot published had calls in it: one more (empty) snapshot says they ended. */
  private busy = false;

  constructor(
    private readonly state: RedisState,
    private readonly now: () => number = Date.now,
  ) {}

  /** Publishes `local`'s counts from now on (a config reload attaches the new gateway's) and listens to the others'. */
  attach(local: LocalLoad): void {
    this.local = local;
    if (this.timer) return;
    this.state.subscribe(CHANNEL, (message) => this.receive(message));
    this.timer = setInterval(() => this.publish(), LOAD_PUBLISH_MS);
    this.timer.unref();
  }

  /** The other gateways' calls in flight to `model`. */
  inFlight(model: string): number {
    let total = 0;
    const oldest = this.now() - PEER_EXPIRY_MS;
    for (const [origin, peer] of this.peers) {
      if (peer.heardAt < oldest) this.peers.delete(origin);
      else total += peer.counts[model] ?? 0;
    }
    return total;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private publish(): void {
    const counts = this.local?.snapshot() ?? new Map<string, number>();
    if (counts.size === 0 && !this.busy) return;
    this.busy = counts.size > 0;
    this.state.publish('load', CHANNEL, JSON.stringify({ o: this.origin, c: Object.fromEntries(counts) }));
  }

  private receive(text: string): void {
    let message: { o?: unknown; c?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (typeof message.o !== 'string' || message.o === this.origin || typeof message.c !== 'object' || message.c === null) return;
    const counts: Record<string, number> = {};
    for (const [model, count] of Object.entries(message.c)) if (typeof count === 'number' && count > 0) counts[model] = count;
    this.peers.set(message.o, { counts, heardAt: this.now() });
  }
}
