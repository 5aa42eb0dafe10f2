import type { Trace } from '../spec/trace.js';
import type { RecentTraces } from '../gateway/trace-sink.js';
import { filterTraces, type TraceFilter, type TracePage } from './trace-filter.js';

export type Feedback = { id: number; traceId: string; createdAt: number; score: number | null; label: string | null; betterModel: string | null };

export type FeedbackInput = { traceId: string; score?: number | undefined; label?: string | undefined; betterModel?: string | undefined };

/** What the traces API reads: the SQLite store, or the gateway's recent traces when it has none. */
export interface TraceQueries {
  list(filter: TraceFilter): Promise<TracePage>;
  get(id: string): Promise<{ trace: Trace; feedback: Feedback[] } | undefined>;
  /** Undefined when no such trace is kept. */
  addFeedback(input: FeedbackInput): Promise<Feedback | undefined>;
}

/** The traces a gateway without a store keeps in memory, with their feedback (as long as the trace is kept). */
export class MemoryTraceQueries implements TraceQueries {
  private readonly feedback = new Map<string, Feedback[]>();
  private nextId = 1;

  constructor(private readonly traces: RecentTraces) {}

  list(filter: TraceFilter): Promise<TracePage> {
    return Promise.resolve(filterTraces(this.traces.list(), filter));
  }

  get(id: string): Promise<{ trace: Trace; feedback: Feedback[] } | undefined> {
    const trace = this.traces.get(id);
    return Promise.resolve(trace ? { trace, feedback: this.feedback.get(id) ?? [] } : undefined);
  }

  addFeedback(input: FeedbackInput): Promise<Feedback | undefined> {
    if (!this.traces.get(input.traceId)) return Promise.resolve(undefined);
    const item: Feedback = { id: this.nextId++, traceId: input.traceId, createdAt: Date.now(), score: input.score ?? null, label: input.label ?? null, betterModel: input.betterModel ?? null };
    const list = this.feedback.get(input.traceId) ?? [];
    list.push(item);
    this.feedback.set(input.traceId, list);
    // Feedback for traces the ring has dropped goes with them.
    if (this.feedback.size > this.traces.capacity) for (const id of this.feedback.keys()) if (!this.traces.get(id)) this.feedback.delete(id);
    return Promise.resolve(item);
  }
}
