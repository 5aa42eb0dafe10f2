import type { StoredResponse } from './response-store.js';
import type { Feedback } from './trace-queries.js';

/** A `responses` row as both stores read it (`SELECT id, trace_id, created_at, owner, input_json, response_json`). */
export type ResponseRow = { id: string; trace_id: string; created_at: number; owner: string | null; input_json: string; response_json: string };

/** A `feedback` row as both stores read it. */
export type FeedbackRow = { id: number; trace_id: string; created_at: number; score: number | null; label: string | null; better_model: string | null };

export function toFeedback(row: FeedbackRow): Feedback {
  return { id: row.id, traceId: row.trace_id, createdAt: row.created_at, score: row.score, label: row.label, betterModel: row.better_model };
}

export function toStoredResponse(row: ResponseRow): StoredResponse {
  return { id: row.id, traceId: row.trace_id, createdAt: row.created_at, owner: row.owner ?? undefined, input: JSON.parse(row.input_json) as unknown[], response: JSON.parse(row.response_json) as Record<string, unknown> };
}
