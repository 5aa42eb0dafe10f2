/**
 * Bytes of request bodies held at once, server-wide (`server.max_inflight_body_size`). A body
 * takes its bytes as they arrive and gives them back when its response is closed: the parsed
 * request lives as long as that (retries and fallbacks send it again), so the bound is on what
 * requests in flight hold, not only on what is being read.
 */
export class BodyBudget {
  private used = 0;

  constructor(readonly capacity: number) {}

  /** Bytes held now. */
  get held(): number {
    return this.used;
  }

  /** Whether `bytes` more fit now; takes them if they do. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.capacity) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used -= bytes;
  }
}
