import { z } from 'zod';

const FailureMode = z.enum(['open', 'closed'], { error: 'expected "open" (serve, count locally) or "closed" (refuse with 503 state_unavailable)' });

/**
 * `state:` where counters shared by every gateway live. Absent: in this process (one gateway).
 * `redis`: in one Redis that every gateway of the deployment points at, so they act as one.
 */
export const StateSchema = z.strictObject({
  redis: z
    .strictObject({
      /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
      url: z.string().regex(/^rediss?:\/\/./, { error: 'expected a redis:// or rediss:// URL' }),
      /** Every key Switchyard writes starts with this, so deployments can share one Redis. */
      key_prefix: z.string().default('switchyard:'),
      /** No request waits longer than this on Redis: past it, the concern's `on_failure` applies. */
      timeout_ms: z.number().int().positive().max(10_000).default(100),
      /** How long a concurrency slot or a budget hold outlives a gateway that died holding it. */
      lease_ms: z.number().int().min(1_000).default(30_000),
    })
    .optional(),
  /**
   * When Redis cannot answer in time: `open` serves and counts in this process (logged and counted in
   * `switchyard_state_fallbacks_total`); `closed` refuses with 503 `state_unavailable`. Circuit
   * breakers, caches and revocations always fall back to this process: they never refuse.
   */
  on_failure: z
    .strictObject({
      rate_limits: FailureMode.default('open'),
      budgets: FailureMode.default('closed'),
    })
    // Absent, it is parsed as `{}`: the defaults above are written once.
    .prefault({}),
});
