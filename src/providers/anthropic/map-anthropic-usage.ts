import type { Usage } from '../../spec/usage.js';
import { isRecord, readNumber } from '../../util/json-guards.js';

/**
 * Messages API `usage` → Usage. Anthropic's `input_tokens` leaves out cache reads and writes, so
 * the total input adds them; a count the upstream left out stays undefined.
 */
export function mapAnthropicUsage(raw: unknown): Usage | undefined {
  if (!isRecord(raw)) return undefined;
  const uncached = readNumber(raw['input_tokens']);
  const written = readNumber(raw['cache_creation_input_tokens']);
  const read = readNumber(raw['cache_read_input_tokens']);
  const details = isRecord(raw['output_tokens_details']) ? raw['output_tokens_details'] : undefined;
  const creation = isRecord(raw['cache_creation']) ? raw['cache_creation'] : undefined;
  const forAnHour = readNumber(creation?.['ephemeral_1h_input_tokens']);
  const usage: Usage = {
    inputTokens: uncached === undefined ? undefined : uncached + (written ?? 0) + (read ?? 0),
    cachedInputTokens: read,
    cacheWriteTokens: written,
    outputTokens: readNumber(raw['output_tokens']),
    reasoningTokens: readNumber(details?.['thinking_tokens']),
    estimated: false,
    raw,
  };
  if (forAnHour !== undefined && forAnHour > 0) usage.cacheWrite1hTokens = forAnHour;
  return usage.inputTokens === undefined && usage.outputTokens === undefined ? undefined : usage;
}
