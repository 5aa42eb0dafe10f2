import type { CheckSpec, PickSpec } from '../spec/check-spec.js';
import type { TargetSpec } from '../spec/target-spec.js';
import type { RouteSpec, RouterSpec } from './router-spec.js';
import type { RoutingConfig } from './routing-config.js';
import { listNames } from '../util/describe-value.js';
import { InternalError, InvalidRequestError, NotFoundError } from '../errors/request-errors.js';
import { StartupError } from '../errors/startup-error.js';
import type { ChatRequest } from '../spec/chat-request.js';
import { DEFAULT_ROUTE, type Balance, type Candidate, type Classification, type Decision, type FilteredCandidate, type Prediction, type Signal } from '../spec/decision.js';
import type { Attempt } from '../spec/trace.js';
import { emptyDecision } from '../spec/empty-decision.js';
import { measureComplexity } from '../features/complexity.js';
import { compilePredictedPolicy, type PredictedPolicy } from './policies/predicted-policy.js';
import { compileLoadBalance, type DeploymentLoadView, type LoadBalancePolicy } from './policies/loadbalance-policy.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { applySystemPrompt } from './apply-system-prompt.js';
import { buildPlan, type Plan, type PlanContext } from './build-plan.js';
import { conversationTurns, extractRoutingText } from '../features/extract-routing-text.js';
import { filterCandidates, type DeploymentHealth } from './filter-candidates.js';
import { measurePrompt, type PromptMeasure } from './measure-prompt.js';
import { compileCondition, type Evidence, type MatchInput, type Matcher } from './signals/compile-condition.js';
import { LlmClassifier } from './signals/llm-classifier.js';
import { ExampleRoutes, type SimilarityResult } from './signals/example-routes.js';
import type { EmbeddingCache } from './signals/embedding-cache.js';
import type { SignalModels } from './signal-models.js';
import { Cancellation, toCancellation } from '../util/cancellation.js';
import { quoteInput } from '../util/quote-input.js';

/** Hints that arrive outside the body. */
export type RoutingHints = {
  /** `x-switchyard-route`: pick this route of the router by name. */
  route?: string | undefined;
};

/** The models of one step of a multi-model policy, after this request's filters. */
export type PlanStep = { specs: readonly ModelSpec[] };

/**
 * How the plan is executed: one model after another until one answers (`sequence`), cheapest
 * first escalating on a failed check (`cascade`), or all at once keeping one answer (`parallel`).
 */
export type ExecutionShape =
  | { kind: 'sequence' }
  | { kind: 'cascade'; steps: PlanStep[]; check: CheckSpec }
  | { kind: 'parallel'; branches: PlanStep[]; pick: PickSpec; timeoutMs: number };

export type RoutingResult = {
  decision: Decision;
  /** The models to try, in order (every step's, for cascade and parallel); empty for a block or when every candidate was filtered out. */
  plan: readonly ModelSpec[];
  execution: ExecutionShape;
  /** The request to send: the client's, with the route's system prompt merged in. */
  request: ChatRequest;
  reference: ModelSpec | undefined;
  /** The route lets a content-policy refusal move on to the next model. */
  failoverOnContentFilter: boolean;
  /** Calls routing itself made (LLM classifier, embeddings): billed and traced with the request. */
  attempts: Attempt[];
};

/** A target compiled: a fixed plan, or a policy that picks one of its precomputed plans per request. */
type Planner =
  | { kind: 'fixed'; plan: Plan }
  | { kind: 'predicted'; choose: PredictedPolicy }
  | { kind: 'balanced'; choose: LoadBalancePolicy }
  | { kind: 'cascade'; steps: Plan[]; check: CheckSpec }
  | { kind: 'parallel'; steps: Plan[]; pick: PickSpec; timeoutMs: number };

/** `matcher`: the rule tests of its `when`; `examples`: the route also holds when its examples are the most similar. */
type CompiledRoute = { spec: RouteSpec; matcher: Matcher | undefined; examples: boolean; planner: Planner | undefined };

export type RoutingOptions = {
  /** The circuit breakers: decisions skip open circuits; without them every circuit counts as closed. */
  health?: DeploymentHealth | undefined;
  /** Calls in flight and latency per deployment, for `loadbalance`. */
  load?: DeploymentLoadView | undefined;
  /** Model calls for signals that need them (LLM classifier, embeddings model); none offline. */
  models?: SignalModels | undefined;
  /** Draws for weighted load balancing. */
  random?: () => number;
  /** Decide as if every provider had credentials (offline replays: `switchyard eval`). */
  ignoreDisabledProviders?: boolean;
};

type CompiledRouter = {
  spec: RouterSpec;
  /** Block routes are checked before anything else, so no hint or earlier route can get around them. */
  guards: CompiledRoute[];
  routes: CompiledRoute[];
  byName: ReadonlyMap<string, CompiledRoute>;
  defaultPlanner: Planner;
  reference: ModelSpec | undefined;
  llm: LlmClassifier | undefined;
  examples: ExampleRoutes | undefined;
};

/** What a planner chose for this request, before filtering. */
type Chosen = { plan: Plan; steps?: { plans: Plan[]; shape: Exclude<Planner, { kind: 'fixed' | 'predicted' | 'balanced' }> }; prediction: Prediction | null; balance: Balance | null };

/**
 * The router core: turns a request into a Decision and a plan. Everything that can be computed
 * from the config (regexes, plans, example vectors) is computed here, once. The only calls it
 * makes are for signals that need a model (an LLM classifier, an embeddings encoder).
 */
export class Routing {
  private readonly routers = new Map<string, CompiledRouter>();
  private readonly directPlans = new Map<string, Plan>();
  private readonly health: DeploymentHealth | undefined;
  private readonly load: DeploymentLoadView | undefined;
  private readonly models: SignalModels | undefined;
  private readonly random: () => number;
  private readonly planContext: PlanContext;

  constructor(
    private readonly config: RoutingConfig,
    options: RoutingOptions = {},
  ) {
    this.health = options.health;
    this.load = options.load;
    this.models = options.models;
    this.random = options.random ?? Math.random;
    this.planContext = { models: config.models, providers: config.providers, ignoreDisabledProviders: options.ignoreDisabledProviders ?? false };
    const noFallbacks = new Map<string, string[]>();
    for (const name of config.models.keys()) this.directPlans.set(name, buildPlan('direct', [name], noFallbacks, this.planContext));
    for (const [name, router] of config.routers) this.routers.set(name, this.compile(router));
  }

  /** Router names, then model names: what a client may send as `model`. */
  names(): { routers: string[]; models: string[] } {
    return { routers: [...this.routers.keys()], models: [...this.config.models.keys()] };
  }

  /** The example routes of a router, for tools that tune them (`switchyard fit-routes`). */
  exampleRoutes(router: string): ExampleRoutes | undefined {
    return this.routers.get(router)?.examples;
  }

  /** How similar a text is to each example route of a router, as a request would be compared. */
  async similarity(router: string, text: string, signal: AbortSignal = Cancellation.NEVER.signal): Promise<SimilarityResult | undefined> {
    return this.routers.get(router)?.examples?.score(text, this.models, signal);
  }

  /**
   * Embeds the route examples of routers whose encoder is a model (from the disk cache where it
   * can). Throws when a model cannot embed them. Local encoders are ready at construction.
   */
  async prepare(cache: EmbeddingCache, signal: AbortSignal = Cancellation.NEVER.signal): Promise<{ attempts: Attempt[]; warnings: string[] }> {
    const attempts: Attempt[] = [];
    const warnings: string[] = [];
    for (const router of this.routers.values()) {
      if (!router.examples?.needsModel) continue;
      const encoder = router.spec.encoder?.type === 'model' ? this.config.models.get(router.spec.encoder.model) : undefined;
      const disabled = encoder && this.config.providers.get(encoder.provider)?.disabled;
      if (encoder && disabled) {
        // Like any model of a disabled provider: the gateway starts, and the Decision says why the examples do not match.
        const why = `the encoder "${encoder.name}" is unavailable: provider "${encoder.provider}" is disabled (set ${disabled.missingEnv.join(', ')})`;
        router.examples.disable(why);
        warnings.push(`router "${router.spec.name}": ${why}; its example routes will not match`);
        continue;
      }
      if (!this.models) throw new StartupError(`router "${router.spec.name}" embeds its examples with a model, and no model can be called here`);
      try {
        const prepared = await router.examples.prepare(this.models, cache, signal);
        attempts.push(...prepared.attempts);
        if (prepared.warning) warnings.push(prepared.warning);
      } catch (error) {
        throw new StartupError(`router "${router.spec.name}": ${(error as Error).message}`, error);
      }
    }
    return { attempts, warnings };
  }

  /** `signal` aborts the model calls routing makes (an embeddings encoder's). */
  async route(request: ChatRequest, hints: RoutingHints = {}, signal?: AbortSignal | Cancellation): Promise<RoutingResult> {
    const router = this.routers.get(request.model);
    if (router) return this.routeWithRouter(router, request, hints, toCancellation(signal));
    const plan = this.directPlans.get(request.model);
    if (plan) return this.result(request, { router: null, route: null, signals: [], chosen: { plan, prediction: null, balance: null }, system: null, reference: undefined, failoverOnContentFilter: false }, emptySignals());
    const { routers, models } = this.names();
    throw new NotFoundError(
      `The model ${quoteInput(request.model)} does not exist. Routers: ${listNames(routers)}. Models: ${listNames(models)}.`,
      { code: 'model_not_found', param: 'model' },
    );
  }

  private async routeWithRouter(router: CompiledRouter, request: ChatRequest, hints: RoutingHints, cancellation: Cancellation): Promise<RoutingResult> {
    let text: string | undefined;
    let complexity: number | undefined;
    const found: SignalState = emptySignals();
    const input: MatchInput = {
      text: () => (text ??= extractRoutingText(request.messages, router.spec.matchOn)),
      complexity: () => (complexity ??= measureComplexity(input.text(), conversationTurns(request.messages)).score),
      metadata: request.metadata,
    };
    // Rules are synchronous (microseconds); examples are read only when a route's rules do not hold.
    // The first such route waits once for the similarity (it may need a model call): only it returns
    // a promise, the others cost no promise and no microtask.
    const match = (route: CompiledRoute): Evidence[] | undefined | Promise<Evidence[] | undefined> => {
      const evidence = route.matcher?.(input);
      const { examples } = router;
      if (evidence || !route.examples || !examples) return evidence;
      if (found.similarity) return exampleEvidence(route.spec.name, found.similarity);
      return (async () => {
        found.similarity = await examples.score(input.text(), this.models, cancellation.signal);
        found.attempts.push(...found.similarity.attempts);
        return exampleEvidence(route.spec.name, found.similarity);
      })();
    };

    let chosen: CompiledRoute | undefined;
    let toDefault = false;
    let signals: Signal[] = [];
    for (const guard of router.guards) {
      const matched = match(guard);
      const evidence = matched instanceof Promise ? await matched : matched;
      if (evidence) {
        chosen = guard;
        signals = toSignals(guard.spec.name, evidence);
        break;
      }
    }
    if (!chosen && hints.route !== undefined) {
      chosen = router.byName.get(hints.route);
      if (!chosen) {
        throw new InvalidRequestError(
          `Route ${quoteInput(hints.route)} (from the x-switchyard-route header) does not exist in router "${router.spec.name}". Routes: ${listNames(router.byName.keys())}.`,
          { param: 'x-switchyard-route', code: 'route_not_found' },
        );
      }
      signals = [{ signal: 'header', route: chosen.spec.name }];
    }
    if (!chosen && router.llm) {
      const answer = await this.classify(router.llm, input.text());
      found.classification = answer.classification;
      found.attempts.push(...answer.attempts);
      const label = answer.classification.label;
      if (label === DEFAULT_ROUTE) toDefault = true;
      else if (label !== null) chosen = router.byName.get(label);
      if (label !== null) signals = [{ signal: 'llm', route: label, label }];
    }
    if (!chosen && !toDefault) {
      for (const route of router.routes) {
        const matched = match(route);
        const evidence = matched instanceof Promise ? await matched : matched;
        if (evidence) {
          chosen = route;
          signals = toSignals(route.spec.name, evidence);
          break;
        }
      }
    }

    const common = { router: router.spec.name, signals, reference: router.reference };
    const plan = (planner: Planner): Chosen => this.choose(planner, router, input, request);
    if (!chosen) {
      return this.result(request, { ...common, route: DEFAULT_ROUTE, chosen: plan(router.defaultPlanner), system: null, failoverOnContentFilter: false }, found);
    }
    const route = chosen.spec;
    if (route.action.type === 'block') {
      const decision = emptyDecision({
        requested: request.model,
        router: router.spec.name,
        route: route.name,
        signals,
        policy: 'block',
        classification: found.classification,
        similarity: found.similarity?.similarity ?? null,
        block: { message: route.action.message },
        reference: router.reference?.name ?? null,
      });
      return { decision, plan: [], execution: { kind: 'sequence' }, request, reference: router.reference, failoverOnContentFilter: false, attempts: found.attempts };
    }
    const system = route.system;
    return this.result(
      system ? { ...request, messages: applySystemPrompt(request.messages, system.text, system.merge) } : request,
      {
        ...common,
        route: route.name,
        chosen: plan(chosen.planner as Planner),
        system: system ? { merge: system.merge } : null,
        failoverOnContentFilter: route.failoverOnContentFilter,
      },
      found,
    );
  }

  private async classify(classifier: LlmClassifier, text: string): Promise<{ classification: Classification; attempts: Attempt[] }> {
    if (!this.models) {
      return { classification: { model: classifier.model, outcome: 'error', label: null, detail: 'the classifier model cannot be called here (offline)' }, attempts: [] };
    }
    return classifier.classify(text, this.models);
  }

  private choose(planner: Planner, router: CompiledRouter, input: MatchInput, request: ChatRequest): Chosen {
    switch (planner.kind) {
      case 'fixed':
        return { plan: planner.plan, prediction: null, balance: null };
      case 'predicted': {
        // Compiling a predicted planner required a trained classifier (checked when the config was resolved).
        const classifier = router.spec.classifier as Extract<NonNullable<RouterSpec['classifier']>, { type: 'trained' }>;
        return { ...planner.choose(classifier.model.predict(input.text(), conversationTurns(request.messages))), balance: null };
      }
      case 'balanced':
        return { ...planner.choose({ load: this.load, health: this.health, random: this.random }), prediction: null };
      case 'cascade':
      case 'parallel':
        return { plan: planner.steps[0] as Plan, steps: { plans: planner.steps, shape: planner }, prediction: null, balance: null };
    }
  }

  /** Filters the plan for this request (capabilities, context window, circuits) and writes the Decision. */
  private async result(
    request: ChatRequest,
    options: {
      router: string | null;
      route: string | null;
      signals: Signal[];
      chosen: Chosen;
      system: Decision['system'];
      reference: ModelSpec | undefined;
      failoverOnContentFilter: boolean;
    },
    found: SignalState,
  ): Promise<RoutingResult> {
    const { chosen } = options;
    // Counted off the event loop, once, for every model the plan may try.
    const prompt = await measurePrompt(request, chosen.steps ? chosen.steps.plans.flatMap((plan) => plan.specs) : chosen.plan.specs);
    let candidates: Candidate[];
    let filtered: FilteredCandidate[];
    let specs: readonly ModelSpec[];
    let execution: ExecutionShape = { kind: 'sequence' };
    if (chosen.steps) {
      const steps = filterSteps(chosen.steps.plans, request, this.health, prompt);
      candidates = steps.candidates;
      filtered = steps.filtered;
      specs = steps.steps.flatMap((step) => step.specs);
      const shape = chosen.steps.shape;
      execution =
        shape.kind === 'cascade'
          ? { kind: 'cascade', steps: steps.steps, check: shape.check }
          : { kind: 'parallel', branches: steps.steps, pick: shape.pick, timeoutMs: shape.timeoutMs };
    } else {
      const result = filterCandidates(chosen.plan, request, this.health, prompt);
      ({ candidates, filtered, specs } = result);
    }
    return {
      decision: {
        requested: request.model,
        router: options.router,
        route: options.route,
        signals: options.signals,
        policy: chosen.plan.policy,
        prediction: chosen.prediction,
        classification: found.classification,
        similarity: found.similarity?.similarity ?? null,
        balance: chosen.balance,
        candidates,
        filtered,
        block: null,
        system: options.system,
        reference: options.reference?.name ?? null,
        ...(prompt.decision ? { promptTokens: prompt.decision } : {}),
      },
      plan: specs,
      execution,
      request,
      reference: options.reference,
      failoverOnContentFilter: options.failoverOnContentFilter,
      attempts: found.attempts,
    };
  }

  private compile(spec: RouterSpec): CompiledRouter {
    const planner = (target: TargetSpec): Planner => {
      switch (target.policy) {
        case 'single':
          return { kind: 'fixed', plan: buildPlan('single', [target.model], spec.fallbacks, this.planContext) };
        case 'fallback':
          return { kind: 'fixed', plan: buildPlan('fallback', target.models, spec.fallbacks, this.planContext) };
        case 'loadbalance':
          return { kind: 'balanced', choose: compileLoadBalance(target, spec.fallbacks, this.planContext) };
        case 'cascade':
          return { kind: 'cascade', steps: target.models.map((model) => buildPlan('cascade', [model], spec.fallbacks, this.planContext)), check: target.check };
        case 'parallel':
          return {
            kind: 'parallel',
            steps: target.models.map((model) => buildPlan('parallel', [model], spec.fallbacks, this.planContext)),
            pick: target.pick,
            timeoutMs: target.timeoutMs,
          };
        case 'cheapest_above':
        case 'strong_weak': {
          const classifier = spec.classifier;
          if (classifier?.type !== 'trained') throw new InternalError(`router "${spec.name}": a ${target.policy} policy without a trained classifier passed config validation`);
          return { kind: 'predicted', choose: compilePredictedPolicy(target, classifier.model, spec.fallbacks, this.planContext) };
        }
      }
    };
    const withExamples = spec.routes.filter((route) => route.when?.examples !== undefined);
    const examples =
      spec.encoder && withExamples.length > 0
        ? new ExampleRoutes(
            withExamples.map((route) => ({ route: route.name, examples: route.when?.examples ?? [], threshold: route.when?.threshold })),
            spec.encoder,
            spec.encoder.type === 'model' ? this.config.models.get(spec.encoder.model) : undefined,
          )
        : undefined;
    const compiled = spec.routes.map(
      (route): CompiledRoute => ({
        spec: route,
        matcher: route.when ? compileCondition(route.when) : undefined,
        examples: route.when?.examples !== undefined,
        planner: route.action.type === 'target' ? planner(route.action.target) : undefined,
      }),
    );
    const classifier = spec.classifier;
    const llm =
      classifier?.type === 'llm'
        ? new LlmClassifier(
            classifier,
            [
              ...spec.routes.filter((route) => route.action.type === 'target').map((route) => ({ name: route.name, description: route.description })),
              { name: DEFAULT_ROUTE, description: spec.description ?? 'anything the other routes do not cover' },
            ],
            this.config.models.get(classifier.model) as ModelSpec,
          )
        : undefined;
    return {
      spec,
      guards: compiled.filter((route) => route.spec.action.type === 'block'),
      routes: compiled.filter((route) => route.spec.action.type !== 'block'),
      byName: new Map(compiled.map((route) => [route.spec.name, route])),
      defaultPlanner: planner(spec.defaultTarget),
      reference: spec.reference === undefined ? undefined : this.config.models.get(spec.reference),
      llm,
      examples,
    };
  }
}

type SignalState = { classification: Classification | null; similarity: SimilarityResult | undefined; attempts: Attempt[] };

function emptySignals(): SignalState {
  return { classification: null, similarity: undefined, attempts: [] };
}

/** A route's examples hold when it is the most similar of the router's example routes and reaches its threshold. */
function exampleEvidence(route: string, similarity: SimilarityResult): Evidence[] | undefined {
  const { best } = similarity;
  return best?.route === route ? [{ signal: 'examples', similarity: best.score, example: best.example }] : undefined;
}

/**
 * Filters each step of a cascade or parallel policy on its own. A step left with no model (every
 * one incompatible or its circuit open) is dropped, its reasons kept: the other steps are the
 * policy's own fallback.
 */
function filterSteps(
  plans: readonly Plan[],
  request: ChatRequest,
  health: DeploymentHealth | undefined,
  prompt: PromptMeasure,
): { steps: PlanStep[]; candidates: Candidate[]; filtered: FilteredCandidate[] } {
  const results = plans.map((plan) => filterCandidates(plan, request, health, prompt));
  const steps: PlanStep[] = [];
  const candidates: Candidate[] = [];
  const filtered: FilteredCandidate[] = [];
  for (const result of results) {
    filtered.push(...result.filtered);
    if (result.specs.length === 0) continue;
    const step = steps.length;
    steps.push({ specs: result.specs });
    for (const candidate of result.candidates) candidates.push({ ...candidate, step });
  }
  return { steps, candidates, filtered };
}

function toSignals(route: string, evidence: Evidence[]): Signal[] {
  return evidence.map((item) => ({ ...item, route }));
}
