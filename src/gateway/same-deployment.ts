import { isDeepStrictEqual } from 'node:util';
import type { ResolvedConfig } from '../config/resolved-config.js';

/**
 * Whether model `name` is still the same deployment under a reloaded config: the same upstream
 * model, behind an unchanged provider entry, with the same breaker settings. Its circuit state then
 * still says something true about it (a reload is no sign that a dead upstream came back); anything
 * else changed (a new base URL, key, wire model) and the old state is about something else.
 */
export function sameDeployment(before: ResolvedConfig, after: ResolvedConfig, name: string): boolean {
  const old = before.models.get(name);
  const next = after.models.get(name);
  if (!old || !next) return false;
  return (
    old.provider === next.provider &&
    old.wireModel === next.wireModel &&
    isDeepStrictEqual(old.reliability.circuitBreaker, next.reliability.circuitBreaker) &&
    isDeepStrictEqual(before.providers.get(old.provider), after.providers.get(next.provider))
  );
}
