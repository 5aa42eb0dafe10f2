import type { StoredResponse } from './response-store.js';
import type { Feedback, FeedbackInput } from './trace-queries.js';

/** A `responses` row as both stores read it (`SELECT id, trace_id, created_at, owner, input_json, response_json`). */
export type ResponseRow = { id: string; trace_id: string; created_at: number; owner: string | null; input_json: string; response_json: string };

/** A `feedback` row as both stores read it. */
export type FeedbackRow = {
  id: number;
  trace_id: string;
  created_at: number;
  score: number | null;
  label: string | null;
  better_model: string | null;
  model: string | null;
  source: string;
  judge_model: string | null;
  cost_usd: number | null;
  position: number | null;
};

/** The columns of a `feedback` row, in `FeedbackRow`'s order, for both stores' SELECTs. */
export const FEEDBACK_COLUMNS = 'id, trace_id, created_at, score, label, better_model, model, source, judge_model, cost_usd, position';

export function toFeedback(row: FeedbackRow): Feedback {
  return {
    id: row.id,
    traceId: row.trace_id,
    createdAt: row.created_at,
    score: row.score,
    label: row.label,
    betterModel: row.better_model,
    model: row.model,
    source: row.source === 'judge' ? 'judge' : 'person',
    judgeModel: row.judge_model,
    costUsd: row.cost_usd,
    position: row.position,
  };
}

export function toStoredResponse(row: ResponseRow): StoredResponse {
  return { id: row.id, traceId: row.trace_id, createdAt: row.created_at, owner: row.owner ?? undefined, input: JSON.parse(row.input_json) as unknown[], response: JSON.parse(row.response_json) as Record<string, unknown> };
}

/** The row a feedback input becomes, as both stores write and answer it. */
export function feedbackOfInput(id: number, createdAt: number, input: FeedbackInput): Feedback {
  const judged = input.judged;
  return {
    id,
    traceId: input.traceId,
    createdAt,
    score: input.score ?? null,
    label: input.label ?? null,
    betterModel: input.betterModel ?? null,
    model: judged?.model ?? null,
    source: judged ? 'judge' : 'person',
    judgeModel: judged?.judgeModel ?? null,
    costUsd: judged?.costUsd ?? null,
    position: judged?.position ?? null,
  };
}

/** The values of an INSERT of `FEEDBACK_INSERT_COLUMNS`, in their order. */
export function feedbackInsertValues(feedback: Feedback): (string | number | null)[] {
  return [feedback.traceId, feedback.createdAt, feedback.score, feedback.label, feedback.betterModel, feedback.model, feedback.source, feedback.judgeModel, feedback.costUsd, feedback.position];
}

export const FEEDBACK_INSERT_COLUMNS = 'trace_id, created_at, score, label, better_model, model, source, judge_model, cost_usd, position';
