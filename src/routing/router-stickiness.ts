import type { ChatRequest } from '../spec/chat-request.js';
import type { Stickiness } from '../spec/decision.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { buildStepPlan, prependStepPlan, type PlanContext, type StepPlan } from './build-step-plan.js';
import { targetModels } from './policies/policy-registry.js';
import { ConversationMemory, type StickySettings } from './policies/sticky/conversation-memory.js';
import type { RouterSpec } from './router-spec.js';
import type { Chosen } from './routing.js';

export type RouterStickiness = { memory: ConversationMemory; plans: ReadonlyMap<string, StepPlan> };

/** Every model the router's targets can put first, each with its fallbacks: where a held conversation goes first. */
export function compileStickiness(spec: RouterSpec, context: PlanContext): RouterStickiness {
  const targets = [...spec.routes.flatMap((route) => (route.action.type === 'target' ? [route.action.target] : [])), spec.defaultTarget];
  const models = new Set(targets.flatMap((target) => targetModels(target)));
  return {
    memory: new ConversationMemory(spec.sticky as StickySettings),
    plans: new Map([...models].map((model) => [model, buildStepPlan('sticky', [model], spec.fallbacks, context)])),
  };
}

/**
 * A router's stickiness over what its route chose: a conversation held by a model goes to that
 * model first (the route's own plan follows), unless the route overrides stickiness or runs in
 * steps, or its policy compares costs and the holder, its cache reads priced in, loses
 * (`weighHeld`); whichever model serves then holds it.
 */
export function stick(sticky: RouterStickiness | undefined, chosen: Chosen, request: ChatRequest, overrides: boolean): Chosen {
  const { policy, choice } = chosen;
  if (!sticky || policy.multiStep) return chosen;
  const { conversation, model, cachedShare } = sticky.memory.lookup(request);
  const served = (spec: ModelSpec): void => {
    if (sticky.plans.has(spec.name)) sticky.memory.remember(conversation, spec.name, request);
    choice.served?.(spec);
  };
  const held = model === undefined ? undefined : sticky.plans.get(model);
  const leave = (shows: Stickiness): Chosen => ({ policy, choice: { ...choice, shows: { ...choice.shows, sticky: shows }, served } });
  if (!held || model === undefined) return leave(ConversationMemory.shows(conversation, undefined));
  if (overrides) return leave({ conversation, outcome: 'overridden', model });
  // A policy that compares costs weighs the holder's cache reads against its own choice.
  const weighed = policy.weighHeld?.(choice, { model, cachedShare });
  if (weighed && !weighed.keep) return leave({ conversation, outcome: 'moved', model, prices: weighed.prices });
  const steps = [prependStepPlan(held, choice.steps[0] as StepPlan)];
  const kept: Stickiness = { ...ConversationMemory.shows(conversation, model), ...(weighed ? { prices: weighed.prices } : {}) };
  return { policy, choice: { ...choice, steps, shows: { ...choice.shows, sticky: kept }, served } };
}
