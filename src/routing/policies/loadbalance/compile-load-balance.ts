import type { ChatRequest } from '../../../spec/chat-request.js';
import type { Balance } from '../../../spec/decision.js';
import type { ModelSpec } from '../../../spec/model-spec.js';
import { buildStepPlan, type StepPlan, type PlanContext } from '../../build-step-plan.js';
import type { DeploymentHealth } from '../../filter-candidates.js';

/** Live load of deployments, as `loadbalance` reads it (kept by the executor). */
export interface DeploymentLoadView {
  inFlight(model: string): number;
  /** Smoothed time to first token; undefined until the model has answered once. */
  latencyMs(model: string): number | undefined;
}

export type BalanceInput = { load: DeploymentLoadView | undefined; health: DeploymentHealth | undefined; random: () => number };

/** `request`: checked against the quotas of deployments with `limits`, if any. */
export type LoadBalancePolicy = (input: BalanceInput, request?: ChatRequest) => { plan: StepPlan; balance: Balance };

export type LoadBalanceTarget = {
  policy: 'loadbalance';
  strategy: Balance['strategy'];
  models: { model: string; weight: number }[];
};

/**
 * Compiles `loadbalance`: one plan per deployment that can come first (the others follow in
 * config order, then router fallbacks), built once. Per request only the first is chosen, among
 * deployments whose circuit is closed and, of those with `limits`, whose quota has room for it
 * (when none has, among the closed ones: filtering then says why): by weight at random, by smoothed time to first token
 * (unmeasured ones first, so each gets measured), or by fewest calls in flight (ties by weight).
 */
export function compileLoadBalance(target: LoadBalanceTarget, fallbacks: ReadonlyMap<string, readonly string[]>, context: PlanContext): LoadBalancePolicy {
  const names = target.models.map((entry) => entry.model);
  const weights = target.models.map((entry) => entry.weight);
  const plans = names.map((first) => buildStepPlan('loadbalance', [first, ...names.filter((name) => name !== first)], fallbacks, context, 'after'));
  const { strategy } = target;
  /** The deployments with `limits` (undefined for the others): only these cost a quota check per request. */
  const limited = names.map((name) => {
    const spec = context.models.get(name);
    return spec?.limits ? spec : undefined;
  });
  const anyLimited = limited.some((spec) => spec !== undefined);

  /** A draw by weight among `indices`. */
  const weighted = (indices: readonly number[], random: () => number): number => {
    let draw = random() * indices.reduce((sum, index) => sum + (weights[index] as number), 0);
    for (const index of indices) {
      draw -= weights[index] as number;
      if (draw < 0) return index;
    }
    return indices[indices.length - 1] as number;
  };

  /** Of `indices`, those whose quota has room for `request`. */
  const withRoom = (indices: number[], health: DeploymentHealth | undefined, request: ChatRequest): number[] =>
    indices.filter((index) => {
      const spec = limited[index] as ModelSpec | undefined;
      return spec === undefined || health?.quotaWait?.(spec, request) === undefined;
    });

  return ({ load, health, random }, request) => {
    const all = names.map((_, index) => index);
    const closed = all.filter((index) => health?.openUntil(names[index] as string) === undefined);
    const roomy = anyLimited && request ? withRoom(closed, health, request) : closed;
    // Every circuit open: choose among all; filtering then tries the one that cools down first.
    const pool = roomy.length > 0 ? roomy : closed.length > 0 ? closed : all;
    let chosen: number;
    let observed: Record<string, number> | undefined;
    if (strategy === 'weighted' || !load) {
      chosen = weighted(pool, random);
    } else if (strategy === 'least_busy') {
      const counts = pool.map((index) => load.inFlight(names[index] as string));
      const fewest = Math.min(...counts);
      observed = Object.fromEntries(pool.map((index, at) => [names[index] as string, counts[at] as number]));
      chosen = weighted(pool.filter((_, at) => counts[at] === fewest), random);
    } else {
      observed = {};
      chosen = pool[0] as number;
      let lowest = Infinity;
      for (const index of pool) {
        const latency = load.latencyMs(names[index] as string);
        if (latency !== undefined) observed[names[index] as string] = Math.round(latency * 10) / 10;
        // Unmeasured deployments come first, so that each gets measured.
        const key = latency ?? -1;
        if (key < lowest) {
          lowest = key;
          chosen = index;
        }
      }
    }
    const balance: Balance = { strategy, chosen: names[chosen] as string };
    if (observed) balance.observed = observed;
    return { plan: plans[chosen] as StepPlan, balance };
  };
}
