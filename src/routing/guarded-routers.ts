import type { RouterSpec } from './router-spec.js';

const cache = new WeakMap<ReadonlyMap<string, RouterSpec>, ReadonlySet<string>>();

/**
 * The routers every request of which a safety guard checks: a router with a `guard` whose
 * `on_budget` rules only switch to routers with one too (the guard that runs is the router's that
 * routes). What a key that requires a guard may use. Computed once per config (its routers map).
 */
export function guardedRouters(routers: ReadonlyMap<string, RouterSpec>): ReadonlySet<string> {
  let guarded = cache.get(routers);
  if (guarded === undefined) {
    const hasGuard = (name: string): boolean => routers.get(name)?.guard !== undefined;
    guarded = new Set([...routers.values()].filter((router) => hasGuard(router.name) && (router.onBudget ?? []).every((rule) => rule.use === undefined || hasGuard(rule.use))).map((router) => router.name));
    cache.set(routers, guarded);
  }
  return guarded;
}
