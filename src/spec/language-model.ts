import type { ChatRequest } from './chat-request.js';
import type { ChatResult } from './chat-result.js';
import type { StreamPart } from './stream-part.js';
import type { Cancellation } from '../util/cancellation.js';

export type LanguageModelCallOptions = {
  /** Aborts the upstream call (client disconnect, timeout). */
  readonly signal: AbortSignal;
  /**
   * The same news without an AbortSignal, which the gateway then never makes: on Node 20 an
   * AbortSignal outlives the young generation, and whatever its listeners reach with it (an HTTP
   * client's whole request). What the built-in providers use.
   */
  readonly cancellation: Cancellation;
};

export type LanguageModelStream = {
  /** Ends with a `finish` (and usually a `usage`) part, or with one `error` part. Breaking out of it closes the upstream. */
  parts: AsyncIterable<StreamPart>;
  /** What the provider dropped from the request because the model or its wire format cannot carry it; recorded on the Attempt. */
  warnings?: readonly string[];
};

/**
 * One model at one provider. Methods carry a `do` prefix (as in the AI SDK) because the router
 * calls them, not users: users go through a router, which adds retries, failover and tracing.
 */
export interface LanguageModel {
  readonly specificationVersion: 'v1';
  /** Provider name from the config (`providers:` key). */
  readonly provider: string;
  /** Catalog model name. */
  readonly name: string;
  /** Model id sent on the wire. */
  readonly wireModel: string;
  /** Throws a provider error (see errors/provider-errors.ts) when the upstream fails. */
  doGenerate(request: ChatRequest, options: LanguageModelCallOptions): Promise<ChatResult>;
  /** Resolves once the upstream accepted the request; an error status rejects instead. */
  doStream(request: ChatRequest, options: LanguageModelCallOptions): Promise<LanguageModelStream>;
}
