import type { SwitchyardError } from '../errors/switchyard-error.js';
import type { ChatRequest } from '../spec/chat-request.js';
import type { ChatResult } from '../spec/chat-result.js';
import type { Moderation } from '../spec/moderation-model.js';
import type { Attempt } from '../spec/trace.js';

/** A model call made for routing, with every attempt it took (each is billed and traced). */
export type SignalCall<Value> = { ok: true; value: Value; attempts: Attempt[] } | { ok: false; error: SwitchyardError; attempts: Attempt[] };

/**
 * The model calls some signals need (an LLM classifier, an embeddings encoder), provided by the
 * gateway so that they go through the same retries, timeouts and circuit breakers as any call.
 * Routing without them (offline replays) cannot use those signals.
 */
export interface SignalModels {
  /** `role`: what the attempts are traced as (the router's classifier by default, or its safety guard). */
  classify(model: string, request: ChatRequest, signal: AbortSignal, role?: 'classifier' | 'guard'): Promise<SignalCall<ChatResult>>;
  embed(model: string, texts: readonly string[], signal: AbortSignal): Promise<SignalCall<Float32Array[]>>;
  /** A moderation endpoint's verdict on the texts (a router's `guard: { type: moderation }`); its attempts are traced with role `guard`. */
  moderate(model: string, texts: readonly string[], signal: AbortSignal): Promise<SignalCall<Moderation>>;
}
