import type { Trace, TraceStatus } from '../spec/trace.js';

/**
 * Whose traces: a virtual key's (`keyId`), a team's, or only those made without a virtual key
 * (`withoutKey`: what a static key may see). No field: everyone's. The `traces_key` and
 * `traces_team` indexes serve the first two.
 */
export type TraceScope = {
  keyId?: string | undefined;
  team?: string | undefined;
  withoutKey?: boolean | undefined;
};

/** The scope as SQL conditions on `traces` (`prefix` names the table's alias in a join) and their parameters. */
export function scopeConditions(scope: TraceScope, prefix = ''): { where: string[]; params: string[] } {
  const where: string[] = [];
  const params: string[] = [];
  if (scope.keyId !== undefined) {
    where.push(`${prefix}key_id = ?`);
    params.push(scope.keyId);
  }
  if (scope.team !== undefined) {
    where.push(`${prefix}team = ?`);
    params.push(scope.team);
  }
  if (scope.withoutKey === true) where.push(`${prefix}key_id IS NULL`);
  return { where, params };
}

/** Which traces to list: every field narrows; newest first, `limit` at a time. */
export type TraceFilter = TraceScope & {
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
