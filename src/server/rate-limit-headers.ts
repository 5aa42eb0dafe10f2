import type { RateLimitSnapshot, RateLimitWindow } from '../spec/rate-limit.js';

/**
 * OpenAI's rate-limit headers (`x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, resets as
 * OpenAI writes them: `1s`, `6m0s`, `250ms`), and the same for requests in flight under
 * `-concurrent`, which OpenAI does not have. Empty when the request has no limits.
 */
export function rateLimitHeaders(snapshot: RateLimitSnapshot | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (snapshot === undefined) return headers;
  for (const kind of ['requests', 'tokens', 'concurrent'] as const) {
    const window = snapshot[kind];
    if (window !== undefined) writeWindow(headers, kind, window);
  }
  return headers;
}

function writeWindow(headers: Record<string, string>, kind: string, window: RateLimitWindow): void {
  headers[`x-ratelimit-limit-${kind}`] = String(window.limit);
  headers[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, window.remaining));
  headers[`x-ratelimit-reset-${kind}`] = formatReset(window.resetMs);
}

/** `250ms` under a second, else `6m0s`-style minutes and seconds (seconds rounded up: a client waiting that long finds room). */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes === 0 ? `${seconds}s` : `${minutes}m${seconds % 60}s`;
}
