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

/** The same filter over traces in memory (a gateway without a store), newest first. */
export function filterTraces(traces: readonly Trace[], filter: TraceFilter): TracePage {
  const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
  const matching = traces
    .filter(
      (trace) =>
        (filter.router === undefined || trace.router === filter.router) &&
        (filter.route === undefined || trace.route === filter.route) &&
        (filter.model === undefined || trace.model === filter.model) &&
        (filter.status === undefined || trace.status === filter.status) &&
        (filter.since === undefined || trace.startedAt >= filter.since) &&
        (filter.until === undefined || trace.startedAt < filter.until) &&
        (after === undefined || trace.startedAt < after.startedAt || (trace.startedAt === after.startedAt && trace.id < after.id)),
    )
    .sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const page = matching.slice(0, filter.limit);
  const last = page[page.length - 1];
  return { traces: page, next: matching.length > filter.limit && last ? encodeCursor(last) : undefined };
}
