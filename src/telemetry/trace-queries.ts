import type { Trace } from '../spec/trace.js';
import type { TraceFilter, TracePage, TraceScope } from './trace-filter.js';

export type Feedback = { id: number; traceId: string; createdAt: number; score: number | null; label: string | null; betterModel: string | null };

export type FeedbackInput = { traceId: string; score?: number | undefined; label?: string | undefined; betterModel?: string | undefined };

/** What the traces API reads (the SQLite store). */
export interface TraceQueries {
  list(filter: TraceFilter): Promise<TracePage>;
  /** Undefined when no such trace is kept in `scope` (default: everyone's). */
  get(id: string, scope?: TraceScope): Promise<{ trace: Trace; feedback: Feedback[] } | undefined>;
  /** Undefined when no such trace is kept in `scope`. */
  addFeedback(input: FeedbackInput, scope?: TraceScope): Promise<Feedback | undefined>;
}
