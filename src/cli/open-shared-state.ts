import type { Logger } from 'pino';
import type { StateConfig } from '../config/resolved-config.js';
import type { CachedKeyLookup } from '../keys/cached-key-lookup.js';
import type { RedisState } from '../state/redis-state.js';
import type { StateStatus } from '../state/state-metrics.js';

/** How long `serve` waits for Redis at start before it serves anyway, on its fallbacks. */
const READY_WAIT_MS = 2_000;

/**
 * The process's one connection to the shared state (`state.redis`), logging when Redis goes away
 * (warn, once per outage: every concern falls back as `state.on_failure` says meanwhile) and when it
 * is back (info). Waits a little for the first connection, so that the gateway starts with the
 * shared circuits; serves without it. Undefined without `state.redis`: everything stays in this process.
 */
export async function openSharedState(state: StateConfig, logger: Logger): Promise<RedisState | undefined> {
  const redis = state.redis;
  if (redis === undefined) return undefined;
  const { rateLimits, budgets } = state.onFailure;
  // Loaded only here: a gateway without `state.redis` never loads ioredis (memory, start time).
  const { RedisState } = await import('../state/redis-state.js');
  const shared = new RedisState({
    ...redis,
    onStatus: (status, detail) => {
      if (status === 'down') {
        logger.warn({ state: 'redis', detail, on_failure: { rate_limits: rateLimits, budgets } }, 'shared state: Redis is unreachable; each gateway decides alone until it is back (see state.on_failure)');
      } else logger.info({ state: 'redis' }, 'shared state: Redis is back');
    },
  });
  await shared.ready(READY_WAIT_MS);
  return shared;
}

/** Once the gateway serves: the state's metrics, and key changes told to (and heard from) every gateway. */
export async function shareState(shared: RedisState, metrics: { observeState(state: StateStatus): void }, virtualKeys: CachedKeyLookup | undefined): Promise<void> {
  metrics.observeState(shared);
  if (virtualKeys === undefined) return;
  const { Revocations } = await import('../state/revocations.js');
  const revocations = new Revocations(shared);
  virtualKeys.announce = (keyId) => revocations.announce(keyId);
  revocations.listen((keyId) => virtualKeys.drop(keyId));
}
