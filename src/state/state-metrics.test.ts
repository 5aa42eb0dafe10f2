import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { StateConcern } from './redis-state.js';
import { registerStateMetrics } from './state-metrics.js';

describe('state metrics', () => {
  it('say whether Redis answers and count the fallbacks per concern, every concern from 0', async () => {
    const registry = new Registry();
    const fallbacks = new Map<StateConcern, number>();
    const status = { available: true, fallbacks: () => fallbacks };
    registerStateMetrics(registry, status);
    let text = await registry.metrics();
    expect(text).toContain('switchyard_state_up 1');
    expect(text).toContain('switchyard_state_fallbacks_total{concern="breakers"} 0');
    expect(text).toContain('switchyard_state_fallbacks_total{concern="rate_limits"} 0');

    status.available = false;
    fallbacks.set('breakers', 3).set('revocations', 1);
    text = await registry.metrics();
    expect(text).toContain('switchyard_state_up 0');
    expect(text).toContain('switchyard_state_fallbacks_total{concern="breakers"} 3');
    expect(text).toContain('switchyard_state_fallbacks_total{concern="revocations"} 1');
    expect(text).toContain('switchyard_state_fallbacks_total{concern="budgets"} 0');
  });
});
