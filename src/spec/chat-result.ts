import type { ChatMessage } from './chat-request.js';
import type { FinishReason } from './finish-reason.js';
import type { Usage } from './usage.js';

export type ChatChoice = {
  index: number;
  /** The assistant message in Chat Completions shape, provider extras kept (reasoning_content, annotations, ...). */
  message: ChatMessage;
  finishReason: FinishReason;
  logprobs?: unknown;
};

/** A complete (non-streamed) answer from one model. */
export type ChatResult = {
  id: string | undefined;
  created: number | undefined;
  /** The model id the upstream reported (often a dated snapshot of the wire id). */
  responseModel: string | undefined;
  choices: ChatChoice[];
  usage: Usage | undefined;
  /** Other top-level fields of the upstream answer (system_fingerprint, service_tier, ...), verbatim. */
  extra: Readonly<Record<string, unknown>>;
  /** What the provider dropped from the request because the model or its wire format cannot carry it; recorded on the Attempt. */
  warnings?: readonly string[];
};
