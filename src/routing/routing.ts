import type { ResolvedConfig, RouteSpec, RouterSpec } from '../config/resolved-config.js';
import { DEFAULT_ROUTE } from '../config/resolve-config.js';
import { listNames } from '../util/describe-value.js';
import { InvalidRequestError, NotFoundError } from '../errors/request-errors.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { Decision, Signal } from '../spec/decision.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { applySystemPrompt } from './apply-system-prompt.js';
import { buildPlan, type Plan } from './build-plan.js';
import { extractRoutingText } from './extract-routing-text.js';
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
};

type CompiledRoute = { spec: RouteSpec; matcher: Matcher | undefined; plan: Plan | undefined };

type CompiledRouter = {
  spec: RouterSpec;
  /** Block routes are checked before anything else, so no hint or earlier route can get around them. */
  guards: CompiledRoute[];
  routes: CompiledRoute[];
  byName: ReadonlyMap<string, CompiledRoute>;
  defaultPlan: Plan;
  reference: ModelSpec | undefined;
};

/**
 * The router core: turns a request into a Decision and a plan, without calling anything.
 * Everything that can be computed from the config (regexes, plans) is computed here, once.
 */
export class Routing {
  private readonly routers = new Map<string, CompiledRouter>();
  private readonly directPlans = new Map<string, Plan>();

  constructor(private readonly config: ResolvedConfig) {
    const noFallbacks = new Map<string, string[]>();
    for (const name of config.models.keys()) {
      this.directPlans.set(name, buildPlan({ policy: 'direct', model: name }, noFallbacks, config.models, config.providers));
    }
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
      return {
        decision: this.decision(request.model, null, null, [], plan, null, null),
        plan: plan.specs,
        request,
        reference: undefined,
      };
    }
    const { routers, models } = this.names();
    throw new NotFoundError(
      `The model "${request.model}" does not exist. Routers: ${listNames(routers)}. Models: ${listNames(models)}.`,
      { code: 'model_not_found', param: 'model' },
    );
  }

  private routeWithRouter(router: CompiledRouter, request: ChatRequest, hints: RoutingHints): RoutingResult {
    let text: string | undefined;
    const input = {
      text: () => (text ??= extractRoutingText(request.messages, router.spec.matchOn)),
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

    const reference = router.reference?.name ?? null;
    if (!chosen) {
      return {
        decision: this.decision(request.model, router.spec.name, DEFAULT_ROUTE, signals, router.defaultPlan, null, reference),
        plan: router.defaultPlan.specs,
        request,
        reference: router.reference,
      };
    }
    const route = chosen.spec;
    if (route.action.type === 'block') {
      const decision: Decision = {
        ...this.decision(request.model, router.spec.name, route.name, signals, { policy: 'block', candidates: [], filtered: [], specs: [] }, null, reference),
        block: { message: route.action.message },
      };
      return { decision, plan: [], request, reference: router.reference };
    }
    const plan = chosen.plan as Plan;
    const system = route.system;
    return {
      decision: this.decision(request.model, router.spec.name, route.name, signals, plan, system ? { merge: system.merge } : null, reference),
      plan: plan.specs,
      request: system ? { ...request, messages: applySystemPrompt(request.messages, system.text, system.merge) } : request,
      reference: router.reference,
    };
  }

  private decision(
    requested: string,
    router: string | null,
    route: string | null,
    signals: Signal[],
    plan: Plan,
    system: Decision['system'],
    reference: string | null,
  ): Decision {
    return {
      requested,
      router,
      route,
      signals,
      policy: plan.policy,
      candidates: [...plan.candidates],
      filtered: [...plan.filtered],
      block: null,
      system,
      reference,
    };
  }

  private compile(spec: RouterSpec): CompiledRouter {
    const { models, providers } = this.config;
    const compiled = spec.routes.map(
      (route): CompiledRoute => ({
        spec: route,
        matcher: route.when ? compileCondition(route.when) : undefined,
        plan: route.action.type === 'target' ? buildPlan(route.action.target, spec.fallbacks, models, providers) : undefined,
      }),
    );
    return {
      spec,
      guards: compiled.filter((route) => route.spec.action.type === 'block'),
      routes: compiled.filter((route) => route.spec.action.type !== 'block'),
      byName: new Map(compiled.map((route) => [route.spec.name, route])),
      defaultPlan: buildPlan(spec.defaultTarget, spec.fallbacks, models, providers),
      reference: spec.reference === undefined ? undefined : models.get(spec.reference),
    };
  }
}

function toSignals(route: string, evidence: Evidence[]): Signal[] {
  return evidence.map((item) => ({ ...item, route }));
}
