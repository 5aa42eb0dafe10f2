import type { Trace } from '../spec/trace.js';
import { isFallback } from './is-fallback.js';
import { answeringAttempts } from '../spec/attempt-rules.js';

/** The columns of one `traces` row but the last (`trace_json`), in the order of `INSERT_TRACE`. */
export type TraceColumns = [
  id: string,
  startedAt: number,
  requested: string,
  router: string | null,
  route: string | null,
  model: string | null,
  status: string,
  stream: number,
  attempts: number,
  retries: number,
  fallback: number,
  latencyMs: number,
  firstTokenMs: number | null,
  inputTokens: number | null,
  outputTokens: number | null,
  costUsd: number | null,
  referenceCostUsd: number | null,
  savingsUsd: number | null,
  promptPreview: string,
  promptSha256: string,
  keyId: string | null,
  team: string | null,
];

/** Where the writer finds what a `spend` bucket needs in a row (positions in TraceColumns). */
export const SPEND_COLUMNS = { startedAt: 1, latencyMs: 11, costUsd: 15, keyId: 20, team: 21 } as const;

/** One `traces` row: its columns, then the trace as JSON. */
export type TraceRow = [...TraceColumns, traceJson: string];

/**
 * Ids are unique (UUIDv7), so a conflict cannot happen; IGNORE rather than REPLACE spares SQLite
 * the search for a row to delete. `trace_json` may be bound as UTF-8 bytes (the writer thread
 * does): the cast stores them as TEXT.
 */
export const INSERT_TRACE = `INSERT OR IGNORE INTO traces (id, started_at, requested, router, route, model, status, stream, attempts, retries, fallback,
  latency_ms, first_token_ms, input_tokens, output_tokens, cost_usd, reference_cost_usd, savings_usd, prompt_preview, prompt_sha256, key_id, team, trace_json)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT))`;

export function traceRow(trace: Trace): TraceRow {
  return [...traceColumns(trace), JSON.stringify(trace)];
}

export function traceColumns(trace: Trace): TraceColumns {
  let retries = 0;
  for (const attempt of trace.attempts) if (attempt.role === 'answer' && attempt.retry > 0) retries++;
  return [
    trace.id,
    trace.startedAt,
    trace.requested,
    trace.router,
    trace.route,
    trace.model,
    trace.status,
    trace.stream ? 1 : 0,
    answeringAttempts(trace.attempts),
    retries,
    isFallback(trace) ? 1 : 0,
    trace.latencyMs,
    trace.firstTokenMs ?? null,
    trace.usage?.inputTokens ?? null,
    trace.usage?.outputTokens ?? null,
    trace.costUsd ?? null,
    trace.referenceCostUsd ?? null,
    trace.savingsUsd ?? null,
    trace.prompt.preview,
    trace.prompt.sha256,
    trace.caller?.keyId ?? null,
    trace.caller?.team ?? null,
  ];
}
