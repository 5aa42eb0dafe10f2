import { Counter, Gauge, type Registry } from 'prom-client';
import type { StateConcern } from './redis-state.js';

/** Every concern, so that each series exists (at 0) before its first fallback: `rate()` and alerts need the zero. */
const CONCERNS: readonly StateConcern[] = ['rate_limits', 'budgets', 'breakers', 'caches', 'revocations', 'load'];

/** What the state metrics read from the shared state at scrape time. */
export type StateStatus = { readonly available: boolean; fallbacks(): ReadonlyMap<StateConcern, number> };

/**
 * `switchyard_state_up` (1 while Redis answers, 0 while it does not) and
 * `switchyard_state_fallbacks_total{concern}` (commands that could not reach Redis, so this process
 * decided alone: served on its own counters, or refused when the concern fails closed). Read at
 * scrape time: nothing is added to the request path.
 */
export function registerStateMetrics(registry: Registry, state: StateStatus): void {
  const registers = [registry];
  new Gauge({
    name: 'switchyard_state_up',
    help: 'Whether the shared state (Redis, state.redis) answers: 1 up, 0 down (each concern then falls back as state.on_failure says).',
    registers,
    collect() {
      this.set(state.available ? 1 : 0);
    },
  });
  new Counter({
    name: 'switchyard_state_fallbacks_total',
    help: 'Shared-state operations that could not reach Redis in time, by concern (rate_limits, budgets, breakers, caches, revocations, load): this gateway decided alone.',
    labelNames: ['concern'],
    registers,
    collect() {
      this.reset();
      const counts = state.fallbacks();
      for (const concern of CONCERNS) this.inc({ concern }, counts.get(concern) ?? 0);
    },
  });
}
