import { z } from 'zod';
import { NonEmptyString } from '../../../util/schema-parts.js';
import { checkModelList } from '../check-models.js';
import { definePolicy, writtenAs } from '../policy-definition.js';
import { sequenceRunner } from '../sequence-runner.js';
import { compileLoadBalance } from './compile-load-balance.js';

const BalancedModelSchema = z.union([NonEmptyString, z.strictObject({ model: NonEmptyString, weight: z.number().positive().default(1) })], {
  error: 'expected a model name or { model, weight }',
});

const Deployments = z.array(BalancedModelSchema).min(2, { error: 'expected at least two deployments' });

/** Spreads requests over deployments of one model: weighted at random, by smoothed time to first token, or by calls in flight. */
export const loadbalancePolicy = definePolicy({
  name: 'loadbalance',
  schema: () =>
    z.strictObject({
      loadbalance: z.union(
        [Deployments, z.strictObject({ strategy: z.enum(['weighted', 'least_latency', 'least_busy']).default('weighted'), models: Deployments })],
        { error: 'expected a list of deployments ([{ model, weight }]) or { strategy, models }' },
      ),
    }),
  example: '{ loadbalance: [...] }',
  writes: (input) => writtenAs('loadbalance', input),
  resolve({ loadbalance }, path, context) {
    const listed = Array.isArray(loadbalance) ? loadbalance : loadbalance.models;
    const models = listed.map((entry) => (typeof entry === 'string' ? { model: entry, weight: 1 } : entry));
    checkModelList(
      models.map((entry) => entry.model),
      [...path, 'loadbalance', ...(Array.isArray(loadbalance) ? [] : ['models'])],
      context,
    );
    return { policy: 'loadbalance' as const, strategy: Array.isArray(loadbalance) ? ('weighted' as const) : loadbalance.strategy, models };
  },
  models: (target) => target.models.map((entry) => entry.model),
  compile(target, context) {
    const choose = compileLoadBalance(target, context.router.fallbacks, context.plans);
    const live = { load: context.load, health: context.health, random: context.random };
    return {
      choose: ({ request }) => {
        const { plan, balance } = choose(live, request);
        return { steps: [plan], shows: { balance } };
      },
      run: sequenceRunner,
    };
  },
});
