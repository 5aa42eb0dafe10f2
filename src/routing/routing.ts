import type { RouteSpec, RouterSpec } from './router-spec.js';
import type { RoutingConfig } from './routing-config.js';
import { listNames } from '../util/describe-value.js';
import { InvalidRequestError, NotFoundError } from '../errors/request-errors.js';
import { StartupError } from '../errors/startup-error.js';
import type { ChatRequest } from '../spec/chat-request.js';
import { DEFAULT_ROUTE, type BudgetState, type Candidate, type Classification, type Decision, type FilteredCandidate, type GuardVerdict, type Signal } from '../spec/decision.js';
import type { Attempt } from '../spec/trace.js';
import { emptyDecision } from '../spec/empty-decision.js';
import { measureComplexity } from '../features/complexity.js';
import type { DeploymentLoadView } from './policies/loadbalance/compile-load-balance.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { Step } from '../spec/step.js';
import { applySystemPrompt } from './apply-system-prompt.js';
import { buildStepPlan, type StepPlan, type PlanContext } from './build-step-plan.js';
import { compileStickiness, stick, type RouterStickiness } from './router-stickiness.js';
import { fixedPolicy } from './policies/fixed-policy.js';
import type { CompiledTarget, PolicyChoice, PolicyRunner } from './policies/policy-definition.js';
import { compileTarget } from './policies/policy-registry.js';
import { sequenceRunner } from './policies/sequence-runner.js';
import { budgetDecision, onBudgetRule } from './on-budget.js';
import { conversationTurns, extractRoutingText } from '../features/extract-routing-text.js';
import { filterCandidates, type DeploymentHealth } from './filter-candidates.js';
import { measurePrompt, type PromptMeasure } from './measure-prompt.js';
import { compileCondition, tokenThresholds, type Evidence, type MatchInput, type Matcher } from './signals/compile-condition.js';
import { tokensForRules } from './tokens-for-rules.js';
import { requestTraits } from './signals/request-traits.js';
import { LlmClassifier } from './signals/llm-classifier.js';
import type { SharedAnswers } from './signals/shared-answers.js';
import { SafetyGuard } from './guard/safety-guard.js';
import { ExampleRoutes, type SimilarityResult } from './signals/example-routes.js';
import type { EmbeddingCache } from './signals/embedding-cache.js';
import type { SignalModels } from './signal-models.js';
import { Cancellation, toCancellation } from '../util/cancellation.js';
import { quoteInput } from '../util/quote-input.js';
import { merged } from '../util/merged.js';

/** Hints that arrive outside the body. */
export type RoutingHints = {
  /** `x-switchyard-route`: pick this route of the router by name. */
  route?: string | undefined;
  /** The caller's tightest budget, when its key or team has one: what the router's `on_budget` reads. */
  budget?: BudgetState | undefined;
};

export type RoutingResult = {
  decision: Decision;
  /** The models to try, step by step, after this request's filters; empty for a block or when every candidate was filtered out. */
  steps: readonly Step[];
  /** Runs `steps` the policy's way (one after another, a cascade, parallel branches). */
  run: PolicyRunner;
  /** Tells the policy which model served (a `sticky` policy remembers it). */
  served: ((spec: ModelSpec) => void) | undefined;
  /** The request to send: the client's, with the route's system prompt merged in. */
  request: ChatRequest;
  reference: ModelSpec | undefined;
  /** The route lets a content-policy refusal move on to the next model. */
  failoverOnContentFilter: boolean;
  /** Calls routing itself made (LLM classifier, embeddings): billed and traced with the request. */
  attempts: Attempt[];
};

/** `matcher`: the rule tests of its `when`; `examples`: the route also holds when its examples are the most similar. */
type CompiledRoute = { spec: RouteSpec; matcher: Matcher | undefined; examples: boolean; policy: CompiledTarget | undefined };

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
  /** Classifier labels and request embeddings shared with the other gateways (Redis); undefined: this process's caches alone. */
  sharedAnswers?: SharedAnswers | undefined;
};

type CompiledRouter = {
  spec: RouterSpec;
  /** Block routes are checked before anything else, so no hint or earlier route can get around them. */
  guards: CompiledRoute[];
  routes: CompiledRoute[];
  byName: ReadonlyMap<string, CompiledRoute>;
  defaultPolicy: CompiledTarget;
  reference: ModelSpec | undefined;
  llm: LlmClassifier | undefined;
  /** The router's safety `guard`, asked before anything else. */
  safety: SafetyGuard | undefined;
  examples: ExampleRoutes | undefined;
  /** The router's `sticky`: who holds each conversation, and a plan per model that can hold one. */
  sticky: RouterStickiness | undefined;
  /** The `min_tokens`/`max_tokens` of its routes: the prompt is measured against them before matching. */
  tokenThresholds: readonly number[];
};

/** What the target's policy chose for this request, before filtering. */
export type Chosen = { policy: CompiledTarget; choice: PolicyChoice };

/**
 * The router core: turns a request into a Decision and a plan. Everything that can be computed
 * from the config (regexes, plans, example vectors) is computed here, once. The only calls it
 * makes are for signals that need a model (an LLM classifier, an embeddings encoder).
 */
export class Routing {
  private readonly routers = new Map<string, CompiledRouter>();
  private readonly directPolicies = new Map<string, CompiledTarget>();
  private readonly health: DeploymentHealth | undefined;
  private readonly load: DeploymentLoadView | undefined;
  private readonly models: SignalModels | undefined;
  private readonly random: () => number;
  private readonly sharedAnswers: SharedAnswers | undefined;
  private readonly planContext: PlanContext;

  constructor(
    private readonly config: RoutingConfig,
    options: RoutingOptions = {},
  ) {
    this.health = options.health;
    this.load = options.load;
    this.models = options.models;
    this.random = options.random ?? Math.random;
    this.sharedAnswers = options.sharedAnswers;
    this.planContext = { models: config.models, providers: config.providers, ignoreDisabledProviders: options.ignoreDisabledProviders ?? false };
    const noFallbacks = new Map<string, string[]>();
    for (const name of config.models.keys()) {
      this.directPolicies.set(name, { ...fixedPolicy(buildStepPlan('direct', [name], noFallbacks, this.planContext)), policy: 'direct', multiStep: false });
    }
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

  /**
   * Whether routing a request for `model` makes no model call and reads no budget (its router has no
   * LLM classifier, guard, model-encoded examples or `on_budget`): such a request can be routed
   * before it is admitted, and its budget hold taken with its rate check.
   */
  routesLocally(model: string): boolean {
    const name = this.resolve(model);
    if (this.directPolicies.has(name)) return true;
    const router = this.routers.get(name);
    return router !== undefined && (router.spec.onBudget?.length ?? 0) === 0 && !router.llm && !router.safety && router.examples?.needsModel !== true;
  }

  /** An exact router or model name wins; any other name may be a `model_aliases` glob's. */
  private resolve(model: string): string {
    return this.routers.has(model) || this.directPolicies.has(model) ? model : (this.config.modelAliases?.lookup(model) ?? model);
  }

  /** `signal` aborts the model calls routing makes (an embeddings encoder's). */
  async route(request: ChatRequest, hints: RoutingHints = {}, signal?: AbortSignal | Cancellation): Promise<RoutingResult> {
    // The Decision keeps the name sent.
    const name = this.resolve(request.model);
    const router = this.routers.get(name);
    if (router) return this.routeWithBudget(router, request, hints, toCancellation(signal));
    const direct = this.directPolicies.get(name);
    if (direct) {
      const chosen = { policy: direct, choice: direct.choose({ request, text: () => '' }) };
      return this.result(request, { router: null, route: null, signals: [], chosen, system: null, reference: undefined, failoverOnContentFilter: false }, emptySignals());
    }
    const { routers, models } = this.names();
    throw new NotFoundError(
      `The model ${quoteInput(request.model)} does not exist. Routers: ${listNames(routers)}. Models: ${listNames(models)}.`,
      { code: 'model_not_found', param: 'model' },
    );
  }

  /**
   * A router's `on_budget` first: past a rule's share of the caller's budget the request is blocked,
   * or routed by the rule's router (as is: its own `on_budget` is not applied, so no loop). The
   * Decision shows the budget state and the rule that held.
   */
  private async routeWithBudget(router: CompiledRouter, request: ChatRequest, hints: RoutingHints, cancellation: Cancellation): Promise<RoutingResult> {
    const budget = hints.budget;
    if (budget === undefined) return this.routeWithRouter(router, request, hints, cancellation);
    const rule = onBudgetRule(router.spec.onBudget, budget);
    const shown = budgetDecision(budget, rule);
    if (rule?.block !== undefined) {
      const decision = emptyDecision({ requested: request.model, router: router.spec.name, policy: 'block', block: { message: rule.block }, reference: router.reference?.name ?? null, budget: shown });
      return { decision, steps: [], run: sequenceRunner, served: undefined, request, reference: router.reference, failoverOnContentFilter: false, attempts: [] };
    }
    // The rule's router was checked at startup to be one of the config's.
    const used = (rule?.use === undefined ? undefined : this.routers.get(rule.use)) ?? router;
    const result = await this.routeWithRouter(used, request, hints, cancellation);
    return merged(result, { decision: merged(result.decision, { budget: shown }) });
  }

  private async routeWithRouter(router: CompiledRouter, request: ChatRequest, hints: RoutingHints, cancellation: Cancellation): Promise<RoutingResult> {
    let text: string | undefined;
    let complexity: number | undefined;
    const found: SignalState = emptySignals();
    const input: MatchInput = {
      text: () => (text ??= extractRoutingText(request.messages, router.spec.matchOn)),
      complexity: () => (complexity ??= measureComplexity(input.text(), conversationTurns(request.messages)).score),
      metadata: request.metadata,
      requestedModel: request.model,
      request: requestTraits(request),
      tokens: router.tokenThresholds.length > 0 ? await tokensForRules(request, router.tokenThresholds) : undefined,
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
    if (router.safety) {
      const check = await router.safety.check(request, this.models);
      found.guard = check.verdict;
      found.attempts.push(...check.attempts);
      if (check.action.type === 'block') {
        const decision = emptyDecision({
          requested: request.model,
          router: router.spec.name,
          policy: 'block',
          block: { message: check.action.message },
          reference: router.reference?.name ?? null,
          guard: check.verdict,
        });
        return { decision, steps: [], run: sequenceRunner, served: undefined, request, reference: router.reference, failoverOnContentFilter: false, attempts: found.attempts };
      }
      // The route was checked at startup to be one of the router's.
      if (check.action.type === 'route') chosen = router.byName.get(check.action.route);
    }
    for (const guard of router.guards) {
      if (chosen) break;
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
    const plan = (policy: CompiledTarget, overrides = false): Chosen => stick(router.sticky, { policy, choice: policy.choose({ request, text: input.text }) }, request, overrides);
    if (!chosen) {
      return this.result(request, { route: DEFAULT_ROUTE, ...common, chosen: plan(router.defaultPolicy), system: null, failoverOnContentFilter: false }, found);
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
        ...(found.guard ? { guard: found.guard } : {}),
      });
      return { decision, steps: [], run: sequenceRunner, served: undefined, request, reference: router.reference, failoverOnContentFilter: false, attempts: found.attempts };
    }
    const system = route.system;
    return this.result(
      system ? merged(request, { messages: applySystemPrompt(request.messages, system.text, system.merge) }) : request,
      {
        route: route.name,
        ...common,
        // A route that is not a block has a target, compiled with the router.
        chosen: plan(chosen.policy as CompiledTarget, route.overrideSticky),
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
    const { policy, choice } = options.chosen;
    const plans = choice.steps;
    // Counted off the event loop, once, for every model the plan may try.
    const prompt = await measurePrompt(request, plans.length === 1 ? (plans[0] as StepPlan).specs : plans.flatMap((plan) => plan.specs));
    const { steps, candidates, filtered } = policy.multiStep ? filterSteps(plans, request, this.health, prompt) : filterOneStep(plans, request, this.health, prompt);
    const { prediction = null, balance = null, ...shown } = choice.shows ?? {};
    return {
      decision: {
        requested: request.model,
        router: options.router,
        route: options.route,
        signals: options.signals,
        policy: policy.policy,
        prediction,
        classification: found.classification,
        similarity: found.similarity?.similarity ?? null,
        balance,
        ...shown,
        candidates,
        filtered,
        block: null,
        system: options.system,
        reference: options.reference?.name ?? null,
        ...(found.guard ? { guard: found.guard } : {}),
        ...(prompt.decision ? { promptTokens: prompt.decision } : {}),
      },
      steps,
      run: policy.run,
      served: choice.served,
      request,
      reference: options.reference,
      failoverOnContentFilter: options.failoverOnContentFilter,
      attempts: found.attempts,
    };
  }

  private compile(spec: RouterSpec): CompiledRouter {
    const context = { router: spec, plans: this.planContext, health: this.health, load: this.load, random: this.random };
    const withExamples = spec.routes.filter((route) => route.when?.examples !== undefined);
    const examples =
      spec.encoder && withExamples.length > 0
        ? new ExampleRoutes(
            withExamples.map((route) => ({ route: route.name, examples: route.when?.examples ?? [], threshold: route.when?.threshold })),
            spec.encoder,
            spec.encoder.type === 'model' ? this.config.models.get(spec.encoder.model) : undefined,
            this.sharedAnswers,
          )
        : undefined;
    const compiled = spec.routes.map(
      (route): CompiledRoute => ({
        spec: route,
        matcher: route.when ? compileCondition(route.when) : undefined,
        examples: route.when?.examples !== undefined,
        policy: route.action.type === 'target' ? compileTarget(route.action.target, context) : undefined,
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
            this.sharedAnswers,
          )
        : undefined;
    return {
      spec,
      guards: compiled.filter((route) => route.spec.action.type === 'block'),
      routes: compiled.filter((route) => route.spec.action.type !== 'block'),
      byName: new Map(compiled.map((route) => [route.spec.name, route])),
      defaultPolicy: compileTarget(spec.defaultTarget, context),
      reference: spec.reference === undefined ? undefined : this.config.models.get(spec.reference),
      llm,
      safety: spec.guard ? new SafetyGuard(spec.guard) : undefined,
      examples,
      sticky: spec.sticky ? compileStickiness(spec, this.planContext) : undefined,
      tokenThresholds: [...new Set(spec.routes.flatMap((route) => (route.when ? tokenThresholds(route.when) : [])))],
    };
  }
}

type SignalState = { classification: Classification | null; similarity: SimilarityResult | undefined; guard?: GuardVerdict; attempts: Attempt[] };

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
function filterSteps(plans: readonly StepPlan[], request: ChatRequest, health: DeploymentHealth | undefined, prompt: PromptMeasure): FilteredSteps {
  const results = plans.map((plan) => filterCandidates(plan, request, health, prompt));
  const steps: Step[] = [];
  const candidates: Candidate[] = [];
  const filtered: FilteredCandidate[] = [];
  for (const result of results) {
    filtered.push(...result.filtered);
    if (result.specs.length === 0) continue;
    const step = steps.length;
    steps.push({ specs: result.specs });
    for (const candidate of result.candidates) candidates.push(merged(candidate, { step }));
  }
  return { steps, candidates, filtered };
}

/** Filters the one step of a policy that walks one list of models; no step is left when every model was filtered out. */
function filterOneStep(plans: readonly StepPlan[], request: ChatRequest, health: DeploymentHealth | undefined, prompt: PromptMeasure): FilteredSteps {
  const { candidates, filtered, specs } = filterCandidates(plans[0] as StepPlan, request, health, prompt);
  return { steps: specs.length > 0 ? [{ specs }] : [], candidates, filtered };
}

type FilteredSteps = { steps: Step[]; candidates: Candidate[]; filtered: FilteredCandidate[] };

function toSignals(route: string, evidence: Evidence[]): Signal[] {
  return evidence.map((item) => merged(item, { route }));
}
