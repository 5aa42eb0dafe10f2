import type { ChatRequest } from '../spec/chat-request.js';
import { builtinToolTypes, declaresTools, hasContentPart } from '../spec/request-contents.js';
import type { Candidate, FilteredCandidate } from '../spec/decision.js';
import type { ModelCapabilities, ModelSpec } from '../spec/model-spec.js';
import { estimatePromptTokens, promptTokenBounds } from '../tokens/estimate-usage.js';
import type { StepPlan } from './build-step-plan.js';
import type { PromptMeasure } from './measure-prompt.js';
import { merged } from '../util/merged.js';

/** Live health of deployments, as routing needs it: when an open circuit's cooldown ends, if open; what keeps a deployment with `limits` from taking a request now. */
export interface DeploymentHealth {
  openUntil(model: string): number | undefined;
  /** Asked only of a deployment with `limits`: which limit is full for this request, and when it frees; undefined when it has room. */
  quotaWait?(spec: ModelSpec, request: ChatRequest): { detail: string } | undefined;
}

export type FilteredPlan = {
  candidates: Candidate[];
  specs: ModelSpec[];
  filtered: FilteredCandidate[];
};

type Need = { capability: keyof ModelCapabilities; label: string };

/** The capabilities a request needs from a model. */
export function requiredCapabilities(request: ChatRequest): Need[] {
  const needs: Need[] = [];
  const hasToolHistory = request.messages.some(
    (message) => message.role === 'tool' || message.role === 'function' || (message.tool_calls?.length ?? 0) > 0 || message['function_call'] != null,
  );
  if (declaresTools(request) || hasToolHistory) needs.push({ capability: 'tools', label: 'tool calling' });
  if (request.responseFormat?.type === 'json_schema') needs.push({ capability: 'jsonSchema', label: 'structured output (json_schema)' });
  if (hasContentPart(request, 'image_url')) needs.push({ capability: 'vision', label: 'image input' });
  // The APIs that read PDFs (Anthropic, OpenAI, Gemini) read their pages as images: a text-only model cannot.
  if (hasContentPart(request, 'file')) needs.push({ capability: 'vision', label: 'document input (PDF)' });
  if (request.stream) needs.push({ capability: 'streaming', label: 'streaming' });
  return needs;
}

/**
 * Removes, per request, the candidates that cannot take it: a capability the model is known to lack
 * (unknown capabilities do not rule a model out), `max_tokens` over its maximum output, a prompt
 * plus `max_tokens` over its context window, an open circuit breaker, a provider quota (`limits`) full
 * for now. When every compatible candidate's circuit is open, none is left: a
 * dead deployment is called only by its breaker's probe, once its cooldown has ended. Then OpenAI's
 * built-in tools, when the request declares them, narrow what is left (`preferBuiltinTools`).
 *
 * The context windows are checked against `prompt`, measured off the event loop by `measurePrompt`
 * (as routing does); without it the prompt is counted here, on this thread, when its byte bound does
 * not clear a window (offline uses).
 */
export function filterCandidates(plan: StepPlan, request: ChatRequest, health: DeploymentHealth | undefined, prompt?: PromptMeasure): FilteredPlan {
  if (plan.specs.length === 0) return { candidates: [], specs: [], filtered: [...plan.filtered] };
  const needs = requiredCapabilities(request);
  const outputTokens = request.maxOutputTokens ?? 0;
  let upperBound: number | undefined;
  let estimate: number | undefined;
  /** The prompt's tokens as the detail of a window it overruns states them; undefined when it fits. */
  const overrun = (window: number): string | undefined => {
    if (prompt) {
      if (prompt.upper + outputTokens <= window) return undefined;
      if (prompt.count) return prompt.count.tokens + outputTokens > window ? `~${prompt.count.tokens}` : undefined;
      return prompt.lower + outputTokens > window ? `at least ${prompt.lower}` : undefined;
    }
    upperBound ??= promptTokenBounds(request).upper;
    if (upperBound + outputTokens <= window) return undefined; // fits for sure: no need to tokenize
    estimate ??= estimatePromptTokens(request);
    return estimate + outputTokens > window ? `~${estimate}` : undefined;
  };

  const candidates: Candidate[] = [];
  const specs: ModelSpec[] = [];
  const filtered: FilteredCandidate[] = [...plan.filtered];
  plan.specs.forEach((spec, index) => {
    const candidate = plan.candidates[index] as Candidate;
    if (spec.moderation) {
      filtered.push({ model: spec.name, reason: 'capability', detail: `"${spec.name}" is a moderation model (a router's \`guard: { type: moderation }\`), not ${request.embedding ? 'an embedding' : 'a chat'} model` });
      return;
    }
    if ((spec.embedding !== undefined) !== (request.embedding === true)) {
      const detail = spec.embedding
        ? `"${spec.name}" is an embedding model (POST /v1/embeddings), not a chat model`
        : `"${spec.name}" is a chat model, not an embedding model (an embedding model has \`embedding: { dimensions }\` in its catalog or \`models:\` entry)`;
      filtered.push({ model: spec.name, reason: 'capability', detail });
      return;
    }
    const missing = needs.find((need) => spec.capabilities[need.capability] === false);
    if (missing) {
      filtered.push({ model: spec.name, reason: 'capability', detail: `the request needs ${missing.label}, which "${spec.name}" does not support` });
      return;
    }
    if (spec.maxOutput !== undefined && outputTokens > spec.maxOutput) {
      filtered.push({ model: spec.name, reason: 'context_window', detail: `max output tokens ${outputTokens} exceed its maximum output of ${spec.maxOutput}` });
      return;
    }
    // An embedding model's window bounds each input on its own, not the inputs together: the upstream checks it.
    if (spec.contextWindow !== undefined && !request.embedding) {
      const tokens = overrun(spec.contextWindow);
      if (tokens !== undefined) {
        const output = outputTokens > 0 ? ` + ${outputTokens} max output tokens` : '';
        filtered.push({ model: spec.name, reason: 'context_window', detail: `${tokens} prompt tokens${output} exceed its context window of ${spec.contextWindow}` });
        return;
      }
    }
    const until = health?.openUntil(spec.name);
    if (until !== undefined) {
      filtered.push({ model: spec.name, reason: 'circuit_open', detail: `circuit breaker open until ${new Date(until).toISOString()}` });
      return;
    }
    const quota = spec.limits && health?.quotaWait?.(spec, request);
    if (quota) {
      filtered.push({ model: spec.name, reason: 'rate_limited', detail: quota.detail });
      return;
    }
    candidates.push(candidate);
    specs.push(spec);
  });

  const builtinTools = builtinToolTypes(request);
  return builtinTools.length === 0 ? { candidates, specs, filtered } : preferBuiltinTools({ candidates, specs, filtered }, builtinTools);
}

/**
 * A request with OpenAI's built-in tools goes to the models that run them (`builtinTools`), the
 * others filtered, when any is left. When none is, every model stays, each with a note: the
 * provider drops the tools (with a warning on its attempt) rather than the request failing, since
 * clients such as Codex CLI declare `web_search` on every request.
 */
function preferBuiltinTools(plan: FilteredPlan, types: readonly string[]): FilteredPlan {
  const named = types.join(', ');
  if (!plan.specs.some((spec) => spec.capabilities.builtinTools === true)) {
    const note = `tried without the request's built-in tools (${named}): no model of the plan runs them (capabilities.builtin_tools), so they are dropped`;
    return merged(plan, { candidates: plan.candidates.map((candidate) => merged(candidate, { note })) });
  }
  const kept: FilteredPlan = { candidates: [], specs: [], filtered: plan.filtered };
  plan.specs.forEach((spec, index) => {
    if (spec.capabilities.builtinTools === true) {
      kept.candidates.push(plan.candidates[index] as Candidate);
      kept.specs.push(spec);
    } else {
      kept.filtered.push({ model: spec.name, reason: 'capability', detail: `the request declares built-in tools (${named}), which "${spec.name}" does not run (capabilities.builtin_tools)` });
    }
  });
  return kept;
}
