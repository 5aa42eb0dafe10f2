import type { ChatRequest } from '../spec/chat-request.js';
import { countPromptTokens, promptTokenBounds } from '../tokens/estimate-usage.js';
import type { PromptTokensForRules } from './signals/compile-condition.js';

/**
 * The prompt's tokens for a router's `min_tokens`/`max_tokens` conditions. Its bounds from the
 * length and bytes settle most prompts: when no threshold lies between them, the lower bound
 * compares with every threshold as the exact count would (`exact: false`). Only a prompt with a
 * threshold between its bounds is counted, off the event loop (shared with the context-window check).
 */
export async function tokensForRules(request: ChatRequest, thresholds: readonly number[]): Promise<PromptTokensForRules> {
  const undecided = ({ lower, upper }: { lower: number; upper: number }): boolean => thresholds.some((threshold) => threshold >= lower && threshold <= upper);
  const rough = promptTokenBounds(request, 'chars');
  if (!undecided(rough)) return { tokens: rough.lower, exact: false };
  const bytes = promptTokenBounds(request, 'bytes');
  if (!undecided(bytes)) return { tokens: bytes.lower, exact: false };
  const count = await countPromptTokens(request);
  return { tokens: count.tokens, exact: count.exact };
}
