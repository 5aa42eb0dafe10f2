import type { RateLimitSnapshot, RateLimitWindow } from '../../spec/rate-limit.js';

/**
 * Anthropic's rate-limit headers (`anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}`,
 * the reset an RFC 3339 time as Anthropic writes it, to the second), which its clients read beside
 * the OpenAI-style `x-ratelimit-*` ones. Anthropic has none for requests in flight. Empty when the
 * request has no limits.
 */
export function anthropicRateLimitHeaders(snapshot: RateLimitSnapshot | undefined, now = Date.now()): Record<string, string> {
  const headers: Record<string, string> = {};
  if (snapshot === undefined) return headers;
  if (snapshot.requests) writeWindow(headers, 'requests', snapshot.requests, now);
  if (snapshot.tokens) writeWindow(headers, 'tokens', snapshot.tokens, now);
  return headers;
}

function writeWindow(headers: Record<string, string>, kind: string, window: RateLimitWindow, now: number): void {
  headers[`anthropic-ratelimit-${kind}-limit`] = String(window.limit);
  headers[`anthropic-ratelimit-${kind}-remaining`] = String(Math.max(0, window.remaining));
  // Rounded up to the second: a client waiting until then finds room.
  const reset = Math.ceil((now + Math.max(0, window.resetMs)) / 1000) * 1000;
  headers[`anthropic-ratelimit-${kind}-reset`] = new Date(reset).toISOString().replace('.000Z', 'Z');
}
