import { z } from 'zod';
import { InternalError } from '../../errors/request-errors.js';
import { cascadePolicy } from './cascade/cascade-policy.js';
import { cheapestAbovePolicy } from './cheapest-above/cheapest-above-policy.js';
import { fallbackPolicy } from './fallback/fallback-policy.js';
import { loadbalancePolicy } from './loadbalance/loadbalance-policy.js';
import { parallelPolicy } from './parallel/parallel-policy.js';
import type { AnyTarget, CompiledTarget, PolicyCompileContext, PolicyDefinition, PolicyPath, PolicyResolveContext } from './policy-definition.js';
import { singlePolicy } from './single/single-policy.js';
import { stickyPolicy } from './sticky/sticky-policy.js';
import { strongWeakPolicy } from './strong-weak/strong-weak-policy.js';
import { utilityPolicy } from './utility/utility-policy.js';

/** Every routing policy, one line each: the only place that knows which policies exist. */
export const POLICIES = [singlePolicy, fallbackPolicy, loadbalancePolicy, cheapestAbovePolicy, strongWeakPolicy, utilityPolicy, cascadePolicy, parallelPolicy, stickyPolicy] as const;

/** What a route (or a router's default) sends a request to, resolved: one member per policy of the registry. */
export type TargetSpec = ReturnType<(typeof POLICIES)[number]['resolve']>;

/** Any definition, seen through its name (the registry pairs each target with its own definition). */
type LooseDefinition = PolicyDefinition<string, unknown, AnyTarget>;

function definitionOf(policy: string): LooseDefinition {
  const definition = POLICIES.find((candidate) => candidate.name === policy);
  // Targets come from the schema below, which admits only these policies: a miss is a bug.
  if (!definition) throw new InternalError(`no routing policy named "${policy}"`);
  // Each definition's methods take its own target; TypeScript cannot follow `policy` through the lookup.
  return definition as unknown as LooseDefinition;
}

const [first, ...others] = POLICIES;
const forms = others.map((definition) => definition.example);

/** How a target is written: a model name or one policy object. Lazy, because a policy may nest a target. */
export const TargetSchema: z.ZodType = z.lazy(() => union);
const union = z.union(
  POLICIES.map((definition) => definition.schema(TargetSchema)) as [z.ZodType, z.ZodType, ...z.ZodType[]],
  { error: `expected ${first.example} or a policy object: ${forms.slice(0, -1).join(', ')} or ${forms[forms.length - 1]}` },
);

/** The config's view of a target being resolved: everything but the nesting, which the registry supplies. */
export type TargetResolveContext = Omit<PolicyResolveContext, 'resolveTarget'>;

/** A target that passed `TargetSchema` → its policy's settings, with every problem reported through `context`. */
export function resolveTarget(input: unknown, path: PolicyPath, context: TargetResolveContext): TargetSpec {
  const definition = POLICIES.find((candidate) => candidate.writes(input)) as unknown as LooseDefinition | undefined;
  if (!definition) throw new InternalError(`a target at ${path.join('.')} passed the schema but no policy writes it`);
  const nested: PolicyResolveContext = {
    ...context,
    resolveTarget(inner, at, options) {
      const target = resolveTarget(inner, at, context);
      const innerDefinition = definitionOf(target.policy);
      if (options?.oneStep && innerDefinition.multiStep) context.report(at, `expected a policy that tries one list of models, found ${target.policy}, which runs in steps`);
      return { target, models: innerDefinition.models(target) };
    },
  };
  return definition.resolve(input, path, nested) as TargetSpec;
}

/** Every model a target can put first. */
export function targetModels(target: AnyTarget): readonly string[] {
  return definitionOf(target.policy).models(target);
}

/** Why an offline replay of scored data cannot decide this target like the gateway, if it cannot. */
export function offlineObstacle(target: AnyTarget): string | undefined {
  return definitionOf(target.policy).offlineObstacle?.(target);
}

/** The config's view of compiling: everything but the nesting, which the registry supplies. */
export type TargetCompileContext = Omit<PolicyCompileContext, 'compileTarget'>;

/** Compiles a target once, at startup. */
export function compileTarget(target: AnyTarget, context: TargetCompileContext): CompiledTarget {
  const definition = definitionOf(target.policy);
  const compiled = definition.compile(target, { ...context, compileTarget: (inner) => compileTarget(inner, context) });
  return { ...compiled, policy: target.policy, multiStep: definition.multiStep === true };
}
