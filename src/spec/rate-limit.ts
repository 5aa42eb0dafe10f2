/** One limit's standing: its size, what is left of it, and in how many ms it is whole again. */
export type RateLimitWindow = { limit: number; remaining: number; resetMs: number };

/**
 * A request's rate-limit standing once admitted (or refused), the tightest of its key's and its
 * team's limits of each kind: what the `x-ratelimit-*` headers say. A kind with no limit is absent.
 */
export type RateLimitSnapshot = { requests?: RateLimitWindow; tokens?: RateLimitWindow; concurrent?: RateLimitWindow };
