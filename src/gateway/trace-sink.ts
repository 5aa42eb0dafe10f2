import type { Trace } from '../spec/trace.js';
import type { TraceSink } from '../spec/trace-sink.js';

export type { TraceSink } from '../spec/trace-sink.js';

/**
 * The last N traces in memory (a ring buffer), so library users can read traces back. A capacity
 * of 0 keeps none: what `serve` does, since it reads traces from its store.
 */
export class RecentTraces implements TraceSink {
  private readonly buffer: (Trace | undefined)[];
  private next = 0;

  readonly capacity: number;

  constructor(capacity = 1000) {
    this.capacity = Math.max(0, Math.floor(capacity));
    this.buffer = new Array<Trace | undefined>(this.capacity);
  }

  record(trace: Trace): void {
    if (this.capacity === 0) return;
    this.buffer[this.next] = trace;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Newest first. */
  list(): Trace[] {
    const out: Trace[] = [];
    for (let step = 1; step <= this.capacity; step++) {
      const trace = this.buffer[(this.next - step + this.capacity) % this.capacity];
      if (trace) out.push(trace);
    }
    return out;
  }

  get(id: string): Trace | undefined {
    return this.buffer.find((trace) => trace?.id === id);
  }
}
