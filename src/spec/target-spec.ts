import type { CheckSpec, PickSpec } from './check-spec.js';

export type BalanceStrategy = 'weighted' | 'least_latency' | 'least_busy';

/** What a route (or a router's default) sends a request to, and by which policy. */
export type TargetSpec =
  | { policy: 'single'; model: string }
  | { policy: 'fallback'; models: string[] }
  | { policy: 'cheapest_above'; models: string[]; minQuality: number }
  | { policy: 'strong_weak'; strong: string; weak: string; threshold: number }
  | { policy: 'loadbalance'; strategy: BalanceStrategy; models: { model: string; weight: number }[] }
  | { policy: 'cascade'; models: string[]; check: CheckSpec }
  | { policy: 'parallel'; models: string[]; pick: PickSpec; timeoutMs: number };
