import type { Trace } from '../spec/trace.js';
import type { TraceFilter, TracePage, TraceScope } from './trace-filter.js';

/**
 * A verdict on a trace's answer: a person's (`POST /v1/feedback`), or a judge's (shadow evaluation),
 * which says whose answer it scored (`model`; null: the served one), what that answer cost when the
 * shadow asked for it, and where the judge saw it (1 or 2).
 */
export type Feedback = {
  id: number;
  traceId: string;
  createdAt: number;
  score: number | null;
  label: string | null;
  betterModel: string | null;
  model: string | null;
  source: 'person' | 'judge';
  judgeModel: string | null;
  costUsd: number | null;
  position: number | null;
};

export type FeedbackInput = {
  traceId: string;
  score?: number | undefined;
  label?: string | undefined;
  betterModel?: string | undefined;
  /** A judge's score (shadow evaluation); absent: a person's. */
  judged?: { model: string; judgeModel: string; costUsd: number | undefined; position: 1 | 2 } | undefined;
};

/** What the traces API reads (the SQLite store). */
export interface TraceQueries {
  list(filter: TraceFilter): Promise<TracePage>;
  /** Undefined when no such trace is kept in `scope` (default: everyone's). */
  get(id: string, scope?: TraceScope): Promise<{ trace: Trace; feedback: Feedback[] } | undefined>;
  /** Undefined when no such trace is kept in `scope`. */
  addFeedback(input: FeedbackInput, scope?: TraceScope): Promise<Feedback | undefined>;
}
