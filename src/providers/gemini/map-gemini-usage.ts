import type { Usage } from '../../spec/usage.js';
import { isRecord, readNumber } from '../../util/json-guards.js';

/**
 * `usageMetadata` → Usage. `promptTokenCount` includes the cached tokens; the prompt of a tool
 * Gemini ran itself (`toolUsePromptTokenCount`) is input too. Thoughts are billed as output but
 * are not inside `candidatesTokenCount`, so output adds them. Gemini leaves out zero counts; a
 * count it left out stays undefined.
 */
export function mapGeminiUsage(raw: unknown): Usage | undefined {
  if (!isRecord(raw)) return undefined;
  const prompt = readNumber(raw['promptTokenCount']);
  const toolPrompt = readNumber(raw['toolUsePromptTokenCount']);
  const candidates = readNumber(raw['candidatesTokenCount']);
  const thoughts = readNumber(raw['thoughtsTokenCount']);
  const usage: Usage = {
    inputTokens: prompt === undefined ? undefined : prompt + (toolPrompt ?? 0),
    cachedInputTokens: readNumber(raw['cachedContentTokenCount']),
    cacheWriteTokens: undefined,
    outputTokens: candidates === undefined && thoughts === undefined ? undefined : (candidates ?? 0) + (thoughts ?? 0),
    reasoningTokens: thoughts,
    estimated: false,
    raw,
  };
  return usage.inputTokens === undefined && usage.outputTokens === undefined ? undefined : usage;
}
