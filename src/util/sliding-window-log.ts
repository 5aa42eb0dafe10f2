/** One request counted in a window: when it was admitted and the tokens it counts for. */
export type WindowEntry = { readonly at: number; tokens: number; expired: boolean; settled: boolean };

/**
 * The requests of the last `windowMs` as a log: exact, since every request admitted is an entry
 * that leaves the window `windowMs` after it was admitted. Tokens are counted as estimated at
 * admission and replaced by the real count once (an entry already out of the window stays out:
 * never counted twice). Shared by deployment quotas and virtual keys' rate limits; callers check
 * and `add` in one synchronous step, so requests of one process cannot overshoot.
 */
export class SlidingWindowLog {
  private entries: WindowEntry[] = [];
  private head = 0;
  private tokenSum = 0;

  constructor(readonly windowMs: number) {}

  /** Requests in the window at `now`. */
  requests(now: number): number {
    this.expire(now);
    return this.entries.length - this.head;
  }

  /** Tokens in the window at `now`. */
  tokens(now: number): number {
    this.expire(now);
    return this.tokenSum;
  }

  /** When (epoch ms) fewer than `limit` requests are in the window; `now` when there are already. */
  requestRoomAt(limit: number, now: number): number {
    const requests = this.requests(now);
    if (requests < limit) return now;
    return (this.entries[this.head + requests - limit] as WindowEntry).at + this.windowMs;
  }

  /** When (epoch ms) `need` more tokens fit under `limit`; `now` when they fit already. */
  tokenRoomAt(need: number, limit: number, now: number): number {
    let left = this.tokens(now);
    let until = now;
    for (let index = this.head; index < this.entries.length && left + need > limit; index++) {
      const entry = this.entries[index] as WindowEntry;
      left -= entry.tokens;
      until = entry.at + this.windowMs;
    }
    return until;
  }

  /** When (epoch ms) the window is empty of requests (`tokens`: of tokens) again; `now` when it is. */
  emptyAt(now: number, of: 'requests' | 'tokens' = 'requests'): number {
    this.expire(now);
    for (let index = this.entries.length - 1; index >= this.head; index--) {
      const entry = this.entries[index] as WindowEntry;
      if (of === 'requests' || entry.tokens > 0) return entry.at + this.windowMs;
    }
    return now;
  }

  /** Counts a request admitted at `now` for `tokens`; settle the entry when its real count is known. */
  add(now: number, tokens: number): WindowEntry {
    this.expire(now);
    const entry: WindowEntry = { at: now, tokens, expired: false, settled: false };
    this.entries.push(entry);
    this.tokenSum += tokens;
    return entry;
  }

  /** Replaces `entry`'s tokens with `used` (undefined: unknown, the estimate stays). Only the first settle counts. */
  settle(entry: WindowEntry, used: number | undefined): void {
    if (entry.settled) return;
    entry.settled = true;
    if (used === undefined || entry.expired) return;
    this.tokenSum += used - entry.tokens;
    entry.tokens = used;
  }

  private expire(now: number): void {
    while (this.head < this.entries.length && (this.entries[this.head] as WindowEntry).at <= now - this.windowMs) {
      const entry = this.entries[this.head] as WindowEntry;
      entry.expired = true;
      this.tokenSum -= entry.tokens;
      this.head++;
    }
    // Drop the expired prefix once it is half the log: amortized O(1) per request.
    if (this.head > 64 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
