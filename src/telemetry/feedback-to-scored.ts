import type { ChatMessage } from '../spec/chat-request.js';
import type { Trace } from '../spec/trace.js';
import type { Feedback } from './trace-queries.js';

/** A scored-data line (see `switchyard train`), from a trace and its feedback. */
export type ScoredLine = {
  id: string;
  messages: ChatMessage[];
  scores: Record<string, number>;
  costs?: Record<string, number>;
  router: string | null;
  route: string | null;
  labels?: string[];
};

export type Skip = 'no_prompt' | 'no_score';

/**
 * The feedback's verdict as scores: `score` is the served model's; `better_model` scores 1, and
 * the served model 0 unless a score says otherwise (or it is itself the better model). The latest feedback wins per field. A trace
 * whose prompt was not stored (`storage.store_prompts` off) or whose feedback holds no score
 * cannot become a training example. A judge's scores (shadow evaluation) score the model they name,
 * averaged when several judgements scored it (the served answer is judged against each alternative),
 * and a person's verdict on the served model overrides the judge's; a judged alternative's cost joins `costs`.
 */
export function feedbackToScored(trace: Trace, feedback: readonly Feedback[]): { line: ScoredLine } | { skip: Skip } {
  const messages = trace.prompt.messages;
  if (!messages) return { skip: 'no_prompt' };
  let score: number | undefined;
  let better: string | undefined;
  const labels: string[] = [];
  const judged = new Map<string, { sum: number; count: number }>();
  const judgedCosts: Record<string, number> = {};
  for (const item of feedback) {
    if (item.source === 'judge') {
      if (item.model === null || item.score === null) continue;
      const sums = judged.get(item.model) ?? { sum: 0, count: 0 };
      judged.set(item.model, { sum: sums.sum + item.score, count: sums.count + 1 });
      if (item.costUsd !== null && item.model !== trace.model) judgedCosts[item.model] = item.costUsd;
      continue;
    }
    if (item.score !== null) score = item.score;
    if (item.betterModel !== null) better = item.betterModel;
    if (item.label !== null) labels.push(item.label);
  }
  const scores: Record<string, number> = {};
  for (const [model, { sum, count }] of judged) scores[model] = sum / count;
  // Naming the served model as the better one says it did well.
  if (trace.model !== null && (score !== undefined || better !== undefined)) scores[trace.model] = score ?? (better === trace.model ? 1 : 0);
  if (better !== undefined && better !== trace.model) scores[better] = 1;
  if (Object.keys(scores).length === 0) return { skip: 'no_score' };
  const line: ScoredLine = { id: trace.id, messages, scores, router: trace.router, route: trace.route };
  const costs: Record<string, number> = { ...judgedCosts };
  if (trace.model !== null && trace.costUsd !== undefined) costs[trace.model] = trace.costUsd;
  if (Object.keys(costs).length > 0) line.costs = costs;
  if (labels.length > 0) line.labels = labels;
  return { line };
}
