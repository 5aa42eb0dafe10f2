import type { ChatRequest } from '../spec/chat-request.js';
import type { PromptTokens } from '../spec/decision.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { TokenCount } from '../tokens/token-counter.js';
import { countPromptTokens, promptTokenBounds } from '../tokens/estimate-usage.js';

/** What the context-window check knows of a prompt's size (see `filterCandidates`). */
export type PromptMeasure = {
  /** No fewer tokens than this (see `promptTokenBounds`). */
  lower: number;
  /** No more tokens than this. */
  upper: number;
  /** Counted only when a window lies between the bounds. */
  count: TokenCount | undefined;
  /** What the Decision says of it; absent when the byte bound cleared every window. */
  decision: PromptTokens | undefined;
};

/**
 * Measures a prompt against the context windows of the models it may go to: the bounds from its
 * length and bytes settle most requests (a short prompt is under every window, a huge one over them), and
 * only a prompt that falls between the bounds of a window is counted, off the event loop and within
 * the counter's time budget.
 */
export async function measurePrompt(request: ChatRequest, specs: readonly ModelSpec[]): Promise<PromptMeasure> {
  const outputTokens = request.maxOutputTokens ?? 0;
  const notCleared = ({ upper }: { upper: number }): number[] =>
    // An embedding model's window is per input (see filterCandidates), never checked against the whole prompt.
    specs.flatMap((spec) => (spec.contextWindow === undefined || spec.embedding || upper + outputTokens <= spec.contextWindow ? [] : [spec.contextWindow]));
  // The bounds from the lengths are free; those from the bytes (one pass over the text) are tighter.
  const rough = promptTokenBounds(request, 'chars');
  if (notCleared(rough).length === 0) return { lower: rough.lower, upper: rough.upper, count: undefined, decision: undefined };
  const { lower, upper } = promptTokenBounds(request, 'bytes');
  const windows = notCleared({ upper });
  if (windows.length === 0) return { lower, upper, count: undefined, decision: undefined };
  if (windows.every((window) => lower + outputTokens > window)) return { lower, upper, count: undefined, decision: { tokens: lower, method: 'at_least' } };
  const count = await countPromptTokens(request);
  const decision: PromptTokens = count.exact ? { tokens: count.tokens, method: 'counted' } : { tokens: count.tokens, method: 'estimated', detail: count.detail };
  return { lower, upper, count, decision };
}
