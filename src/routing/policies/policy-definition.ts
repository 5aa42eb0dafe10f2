import type { z } from 'zod';
import type { ExecutionContext, ExecutionOptions, GenerateExecution, StreamExecution } from '../../execution/executor.js';
import type { ChatRequest } from '../../spec/chat-request.js';
import type { DecisionPolicyFields } from '../../spec/decision.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { Step } from '../../spec/step.js';
import type { StepPlan, PlanContext } from '../build-step-plan.js';
import type { DeploymentHealth } from '../filter-candidates.js';
import type { RouterSpec } from '../router-spec.js';
import type { DeploymentLoadView } from './loadbalance/compile-load-balance.js';

/** A path into the config file (`routers.auto.routes.code.target.cascade.models.1`). */
export type PolicyPath = readonly (string | number)[];

/** A target as the core sees it before asking its policy: the policy's name and its own settings. */
export type AnyTarget = { readonly policy: string };

/** What config hands a policy's `resolve`. */
export type PolicyResolveContext = {
  /** Reports an unknown model at `path`; true when the model exists. */
  checkModel(name: string, path: PolicyPath): boolean;
  /** The policy decides from the router's trained classifier: reports a router without one, or a model it does not predict. */
  requirePrediction(model: string, path: PolicyPath): void;
  report(path: PolicyPath, message: string): void;
  /** Resolves a target nested in this one (a policy that wraps another), with every model it can put first; `oneStep` reports a multi-step policy there. */
  resolveTarget(input: unknown, path: PolicyPath, options?: { oneStep?: boolean }): { target: AnyTarget; models: readonly string[] };
};

/** What a policy is compiled with, once per target at startup. */
export type PolicyCompileContext = {
  router: RouterSpec;
  plans: PlanContext;
  /** Live state a policy may read per request (kept by the gateway; absent offline). */
  health: DeploymentHealth | undefined;
  load: DeploymentLoadView | undefined;
  random: () => number;
  /** Compiles a target nested in this one. */
  compileTarget(target: AnyTarget): CompiledTarget;
};

/** What a policy sees of a request when it chooses. */
export type PolicyInput = {
  request: ChatRequest;
  /** The router's routing text (its `match_on`), computed once per request on first use. */
  text(): string;
};

/** What a policy chose for a request, before filtering: the models of each step, and what it saw. */
export type PolicyChoice = {
  /** One entry for a policy that walks one list of models; one per step or branch for a multi-step policy. */
  steps: readonly StepPlan[];
  /** What the policy saw, for the Decision (a prediction, a load-balancing draw, ...). */
  shows?: DecisionPolicyFields;
  /** Told which model served the request (after the answer, or once a stream is committed). */
  served?: (spec: ModelSpec) => void;
};

/** Runs the steps left after filtering (never empty) on the executor. */
export type PolicyRunner = {
  generate(steps: readonly Step[], request: ChatRequest, context: ExecutionContext, options: ExecutionOptions): Promise<GenerateExecution>;
  stream(steps: readonly Step[], request: ChatRequest, context: ExecutionContext, options: ExecutionOptions): Promise<StreamExecution>;
};

/** A target compiled: everything computable from the config done once; per request only the choice. */
export type CompiledPolicy = {
  choose(input: PolicyInput): PolicyChoice;
  run: PolicyRunner;
  /**
   * For a policy that compares costs: whether `held` (the model holding the conversation's prompt
   * cache, `cachedShare` of this prompt in it) beats its own choice once its cache reads are priced
   * in, and the prices compared. Without it, a sticky router keeps the holder.
   */
  weighHeld?(choice: PolicyChoice, held: { model: string; cachedShare: number }): { keep: boolean; prices: Record<string, number> } | undefined;
};

/**
 * A compiled target with its policy's name (the Decision's `policy`) and whether its steps are
 * walked as steps (a cascade, parallel branches): then candidates carry their step, and a step
 * that filtering leaves empty is dropped.
 */
export type CompiledTarget = CompiledPolicy & { policy: string; multiStep: boolean };

/**
 * One routing policy: how a target is written in the config, resolved and checked, compiled, and
 * run. The registry (`policy-registry.ts`) lists them; nothing outside a policy's folder knows its
 * settings.
 */
export interface PolicyDefinition<Name extends string, Input, Target extends AnyTarget & { policy: Name }> {
  readonly name: Name;
  /** Set for a policy that walks several steps (a cascade, parallel branches): no other policy can wrap it. */
  readonly multiStep?: true;
  /** How a target of this policy is written: `{ <name>: ... }`, or a bare string for `single`. `target` is the whole target schema, for a policy that nests one. */
  schema(target: z.ZodType): z.ZodType<Input>;
  /** The form shown when a target matches no policy. */
  readonly example: string;
  /** Whether `input` (a target that passed the schema) is written in this policy's form. */
  writes(input: unknown): boolean;
  resolve(input: Input, path: PolicyPath, context: PolicyResolveContext): Target;
  /** Every model the target can put first (an offline replay's columns; a fallback list's later models too: filters can skip the first). */
  models(target: Target): readonly string[];
  /** Why an offline replay of scored data cannot decide like the gateway (the choice depends on the answers); undefined when it can. */
  offlineObstacle?(target: Target): string | undefined;
  compile(target: Target, context: PolicyCompileContext): CompiledPolicy;
}

/** Infers a definition's types from its object literal. */
export function definePolicy<Name extends string, Input, Target extends AnyTarget & { policy: Name }>(
  definition: PolicyDefinition<Name, Input, Target>,
): PolicyDefinition<Name, Input, Target> {
  return definition;
}

/** `{ <name>: value }` with no other key: how every policy but `single` is written. */
export function writtenAs(name: string, input: unknown): boolean {
  return typeof input === 'object' && input !== null && name in input;
}
