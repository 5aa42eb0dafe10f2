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
 * steps; whichever model serves then holds it.
 */
export function stick(sticky: RouterStickiness | undefined, chosen: Chosen, request: ChatRequest, overrides: boolean): Chosen {
  const { policy, choice } = chosen;
  if (!sticky || policy.multiStep) return chosen;
  const { conversation, model } = sticky.memory.lookup(request);
  const served = (spec: ModelSpec): void => {
    if (sticky.plans.has(spec.name)) sticky.memory.remember(conversation, spec.name);
    choice.served?.(spec);
  };
  const held = model === undefined ? undefined : sticky.plans.get(model);
  if (!held || overrides) {
    const shows: Stickiness = held && model !== undefined ? { conversation, outcome: 'overridden', model } : ConversationMemory.shows(conversation, undefined);
    return { policy, choice: { ...choice, shows: { ...choice.shows, sticky: shows }, served } };
  }
  const steps = [prependStepPlan(held, choice.steps[0] as StepPlan)];
  return { policy, choice: { ...choice, steps, shows: { ...choice.shows, sticky: ConversationMemory.shows(conversation, model) }, served } };
}
