import type { Usage } from '../../spec/usage.js';
import { isRecord, readNumber } from '../../util/json-guards.js';

/** Chat Completions `usage` → Usage. Fields the upstream left out stay undefined. */
export function mapOpenAIUsage(raw: unknown): Usage | undefined {
  if (!isRecord(raw)) return undefined;
  const promptDetails = isRecord(raw['prompt_tokens_details']) ? raw['prompt_tokens_details'] : undefined;
  const completionDetails = isRecord(raw['completion_tokens_details']) ? raw['completion_tokens_details'] : undefined;
  const usage: Usage = {
    inputTokens: readNumber(raw['prompt_tokens']),
    // DeepSeek reports cache hits as a top-level `prompt_cache_hit_tokens`.
    cachedInputTokens: readNumber(promptDetails?.['cached_tokens']) ?? readNumber(raw['prompt_cache_hit_tokens']),
    cacheWriteTokens: readNumber(promptDetails?.['cache_write_tokens']),
    outputTokens: readNumber(raw['completion_tokens']),
    reasoningTokens: readNumber(completionDetails?.['reasoning_tokens']),
    estimated: false,
    raw,
  };
  return usage.inputTokens === undefined && usage.outputTokens === undefined ? undefined : usage;
}
