/**
 * Token usage, normalized across providers. Unknown counts are `undefined`, never 0: cost and
 * evaluation would silently go wrong on a made-up zero.
 */
export type Usage = {
  /** All input tokens, cached ones included. */
  inputTokens: number | undefined;
  /** Input tokens read from the provider's prompt cache (a subset of `inputTokens`). */
  cachedInputTokens: number | undefined;
  /** Input tokens written to the provider's prompt cache (a subset of `inputTokens`). */
  cacheWriteTokens: number | undefined;
  /** Of `cacheWriteTokens`, those written to hold for an hour (Anthropic's `ttl: 1h`), billed at their own price; absent when none or unknown. */
  cacheWrite1hTokens?: number;
  outputTokens: number | undefined;
  /** Reasoning tokens (a subset of `outputTokens`). */
  reasoningTokens: number | undefined;
  /** True when the gateway counted the tokens itself because the upstream reported none. */
  estimated: boolean;
  /** The provider's own usage object, as received. */
  raw?: unknown;
};
