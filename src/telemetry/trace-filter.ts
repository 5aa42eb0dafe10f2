import type { Trace, TraceStatus } from '../spec/trace.js';

/** Which traces to list: every field narrows; newest first, `limit` at a time. */
export type TraceFilter = {
  router?: string | undefined;
  route?: string | undefined;
  model?: string | undefined;
  status?: TraceStatus | undefined;
  /** Epoch ms, inclusive. */
  since?: number | undefined;
  /** Epoch ms, exclusive. */
  until?: number | undefined;
  /** Continue after this cursor (from the previous page's `next`). */
  cursor?: string | undefined;
  limit: number;
};

export type TracePage = { traces: Trace[]; next: string | undefined };

/** A page's position: the last trace's start time and id (ids break ties between equal times). */
export function encodeCursor(trace: Trace): string {
  return Buffer.from(`${trace.startedAt}:${trace.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { startedAt: number; id: string } | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const colon = text.indexOf(':');
  const startedAt = Number(text.slice(0, colon));
  if (colon <= 0 || !Number.isFinite(startedAt)) return undefined;
  return { startedAt, id: text.slice(colon + 1) };
}
