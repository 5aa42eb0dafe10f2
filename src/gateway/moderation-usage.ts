import type { Usage } from '../spec/usage.js';

/**
 * The usage of a moderation call whose upstream reports none (OpenAI's does not): the inputs'
 * length at four characters a token, marked estimated, so that the attempt is priced at its
 * model's price (0 for a free moderation model) rather than left unknown. Not the tokenizer: the
 * guard is on every request's path, and its first load takes longer than many a guard's timeout.
 */
export function estimatedModerationUsage(texts: readonly string[]): Usage {
  let chars = 0;
  for (const text of texts) chars += text.length;
  return { inputTokens: Math.ceil(chars / 4), cachedInputTokens: undefined, cacheWriteTokens: undefined, outputTokens: 0, reasoningTokens: undefined, estimated: true };
}
