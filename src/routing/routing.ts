import type { ResolvedConfig, RouteSpec, RouterSpec, TargetSpec } from '../config/resolved-config.js';
import { DEFAULT_ROUTE } from '../config/resolve-config.js';
import { listNames } from '../util/describe-value.js';
import { InvalidRequestError, NotFoundError } from '../errors/request-errors.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { Decision, Prediction, Signal } from '../spec/decision.js';
import { measureComplexity } from '../features/complexity.js';
import { compilePredictedPolicy, type PredictedPolicy } from './policies/predicted-policy.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { applySystemPrompt } from './apply-system-prompt.js';
import { buildPlan, type Plan, type PlanContext } from './build-plan.js';
import { conversationTurns, extractRoutingText } from '../features/extract-routing-text.js';
import { filterCandidates, type DeploymentHealth } from './filter-candidates.js';
import { compileCondition, type Evidence, type Matcher } from './signals/compile-condition.js';

/** Hints that arrive outside the body. */
export type RoutingHints = {
  /** `x-switchyard-route`: pick this route of the router by name. */
  route?: string | undefined;
};

export type RoutingResult = {
  decision: Decision;
  /** The models to try, in order; empty for a block or when every candidate was filtered out. */
  plan: readonly ModelSpec[];
  /** The request to send: the client's, with the route's system prompt merged in. */
  request: ChatRequest;
  reference: ModelSpec | undefined;
  /** A model to call although its circuit is open (every compatible candidate's was). */
  forced: string | undefined;
  /** The route lets a content-policy refusal move on to the next model. */
  failoverOnContentFilter: boolean;
};

/** A target compiled: a fixed plan, or a policy that picks one of its precomputed plans from predictions. */
type Planner = { kind: 'fixed'; plan: Plan } | { kind: 'predicted'; choose: PredictedPolicy };

type CompiledRoute = { spec: RouteSpec; matcher: Matcher | undefined; planner: Planner | undefined };

export type RoutingOptions = {
  /** The circuit breakers: decisions skip open circuits; without them every circuit counts as closed. */
  health?: DeploymentHealth | undefined;
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
};

/**
 * The router core: turns a request into a Decision and a plan, without calling anything.
 * Everything that can be computed from the config (regexes, plans) is computed here, once.
 */
export class Routing {
  private readonly routers = new Map<string, CompiledRouter>();
  private readonly directPlans = new Map<string, Plan>();
  private readonly health: DeploymentHealth | undefined;
  private readonly planContext: PlanContext;

  constructor(
    private readonly config: ResolvedConfig,
    options: RoutingOptions = {},
  ) {
    this.health = options.health;
    this.planContext = { models: config.models, providers: config.providers, ignoreDisabledProviders: options.ignoreDisabledProviders ?? false };
    const noFallbacks = new Map<string, string[]>();
    for (const name of config.models.keys()) this.directPlans.set(name, buildPlan('direct', [name], noFallbacks, this.planContext));
    for (const [name, router] of config.routers) this.routers.set(name, this.compile(router));
  }

  /** Router names, then model names: what a client may send as `model`. */
  names(): { routers: string[]; models: string[] } {
    return { routers: [...this.routers.keys()], models: [...this.config.models.keys()] };
  }

  route(request: ChatRequest, hints: RoutingHints = {}): RoutingResult {
    const router = this.routers.get(request.model);
    if (router) return this.routeWithRouter(router, request, hints);
    const plan = this.directPlans.get(request.model);
    if (plan) {
      return this.result(request, { router: null, route: null, signals: [], plan, prediction: null, system: null, reference: undefined, failoverOnContentFilter: false });
    }
    const { routers, models } = this.names();
    throw new NotFoundError(
      `The model "${request.model}" does not exist. Routers: ${listNames(routers)}. Models: ${listNames(models)}.`,
      { code: 'model_not_found', param: 'model' },
    );
  }

  private routeWithRouter(router: CompiledRouter, request: ChatRequest, hints: RoutingHints): RoutingResult {
    let text: string | undefined;
    let complexity: number | undefined;
    const input = {
      text: () => (text ??= extractRoutingText(request.messages, router.spec.matchOn)),
      complexity: () => (complexity ??= measureComplexity(input.text(), conversationTurns(request.messages)).score),
      metadata: request.metadata,
    };
    let chosen: CompiledRoute | undefined;
    let signals: Signal[] = [];
    for (const guard of router.guards) {
      const evidence = guard.matcher?.(input);
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
          `Route "${hints.route}" (from the x-switchyard-route header) does not exist in router "${router.spec.name}". Routes: ${listNames(router.byName.keys())}.`,
          { param: 'x-switchyard-route', code: 'route_not_found' },
        );
      }
      signals = [{ signal: 'header', route: chosen.spec.name }];
    }
    if (!chosen) {
      for (const route of router.routes) {
        const evidence = route.matcher?.(input);
        if (evidence) {
          chosen = route;
          signals = toSignals(route.spec.name, evidence);
          break;
        }
      }
    }

    const common = { router: router.spec.name, signals, reference: router.reference };
    const plan = (planner: Planner): { plan: Plan; prediction: Prediction | null } => {
      if (planner.kind === 'fixed') return { plan: planner.plan, prediction: null };
      // Compiling a predicted planner required a classifier (checked when the config was resolved).
      const classifier = router.spec.classifier?.model as NonNullable<RouterSpec['classifier']>['model'];
      return planner.choose(classifier.predict(input.text(), conversationTurns(request.messages)));
    };
    if (!chosen) {
      return this.result(request, { ...common, route: DEFAULT_ROUTE, ...plan(router.defaultPlanner), system: null, failoverOnContentFilter: false });
    }
    const route = chosen.spec;
    if (route.action.type === 'block') {
      const decision: Decision = {
        requested: request.model,
        router: router.spec.name,
        route: route.name,
        signals,
        policy: 'block',
        prediction: null,
        candidates: [],
        filtered: [],
        block: { message: route.action.message },
        system: null,
        reference: router.reference?.name ?? null,
      };
      return { decision, plan: [], request, reference: router.reference, forced: undefined, failoverOnContentFilter: false };
    }
    const system = route.system;
    return this.result(system ? { ...request, messages: applySystemPrompt(request.messages, system.text, system.merge) } : request, {
      ...common,
      route: route.name,
      ...plan(chosen.planner as Planner),
      system: system ? { merge: system.merge } : null,
      failoverOnContentFilter: route.failoverOnContentFilter,
    });
  }

  /** Filters the plan for this request (capabilities, context window, circuits) and writes the Decision. */
  private result(
    request: ChatRequest,
    chosen: {
      router: string | null;
      route: string | null;
      signals: Signal[];
      plan: Plan;
      prediction: Prediction | null;
      system: Decision['system'];
      reference: ModelSpec | undefined;
      failoverOnContentFilter: boolean;
    },
  ): RoutingResult {
    const filtered = filterCandidates(chosen.plan, request, this.health);
    return {
      decision: {
        requested: request.model,
        router: chosen.router,
        route: chosen.route,
        signals: chosen.signals,
        policy: chosen.plan.policy,
        prediction: chosen.prediction,
        candidates: filtered.candidates,
        filtered: filtered.filtered,
        block: null,
        system: chosen.system,
        reference: chosen.reference?.name ?? null,
      },
      plan: filtered.specs,
      request,
      reference: chosen.reference,
      forced: filtered.forced,
      failoverOnContentFilter: chosen.failoverOnContentFilter,
    };
  }

  private compile(spec: RouterSpec): CompiledRouter {
    const planner = (target: TargetSpec): Planner => {
      switch (target.policy) {
        case 'single':
          return { kind: 'fixed', plan: buildPlan('single', [target.model], spec.fallbacks, this.planContext) };
        case 'fallback':
          return { kind: 'fixed', plan: buildPlan('fallback', target.models, spec.fallbacks, this.planContext) };
        case 'cheapest_above':
        case 'strong_weak': {
          const classifier = spec.classifier?.model;
          if (!classifier) throw new Error(`router "${spec.name}": a ${target.policy} policy without a classifier passed config validation`);
          return { kind: 'predicted', choose: compilePredictedPolicy(target, classifier, spec.fallbacks, this.planContext) };
        }
      }
    };
    const compiled = spec.routes.map(
      (route): CompiledRoute => ({
        spec: route,
        matcher: route.when ? compileCondition(route.when) : undefined,
        planner: route.action.type === 'target' ? planner(route.action.target) : undefined,
      }),
    );
    return {
      spec,
      guards: compiled.filter((route) => route.spec.action.type === 'block'),
      routes: compiled.filter((route) => route.spec.action.type !== 'block'),
      byName: new Map(compiled.map((route) => [route.spec.name, route])),
      defaultPlanner: planner(spec.defaultTarget),
      reference: spec.reference === undefined ? undefined : this.config.models.get(spec.reference),
    };
  }
}

function toSignals(route: string, evidence: Evidence[]): Signal[] {
  return evidence.map((item) => ({ ...item, route }));
}
