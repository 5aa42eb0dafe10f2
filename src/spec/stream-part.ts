import type { SwitchyardError } from '../errors/switchyard-error.js';
import type { FinishReason } from './finish-reason.js';
import type { Usage } from './usage.js';

/**
 * What a streaming model call yields, parsed once from the provider's wire format and encoded once
 * at the HTTP edge. Names follow the noun-verb convention of the AI SDK.
 */
export type StreamPart =
  | {
      type: 'response-metadata';
      id: string | undefined;
      created: number | undefined;
      responseModel: string | undefined;
      /** Other top-level chunk fields worth keeping (system_fingerprint, service_tier, ...). */
      extra: Readonly<Record<string, unknown>>;
    }
  | { type: 'text-delta'; choice: number; text: string; logprobs?: unknown }
  | { type: 'reasoning-delta'; choice: number; text: string }
  /** The end of a reasoning block: the signature its vendor needs to accept it back (Anthropic's `signature_delta`). */
  | { type: 'reasoning-signature'; choice: number; signature: string }
  /** A reasoning block the vendor returned encrypted (Anthropic's `redacted_thinking`). */
  | { type: 'redacted-reasoning'; choice: number; data: string }
  | { type: 'refusal-delta'; choice: number; text: string }
  | {
      type: 'tool-call-delta';
      choice: number;
      /** Position of the call among the choice's tool calls. */
      toolIndex: number;
      id: string | undefined;
      name: string | undefined;
      argumentsDelta: string;
      /** Gemini's signature of the call (see `thought-signature.ts`), on the delta that starts it: clients get it as the call's `extra_content`. */
      thoughtSignature?: string;
    }
  /**
   * A finished output item of a Responses API upstream with no canonical form (reasoning with its
   * `encrypted_content`, built-in tool calls), verbatim, as its `response.output_item.done` carried
   * it: the Responses edge sends it on (in place of the reasoning it summarized), so a client such
   * as Codex can send it back; other edges drop it. The stream's counterpart of `responses_items`.
   */
  | { type: 'output-item'; choice: number; item: Readonly<Record<string, unknown>> }
  | { type: 'finish'; choice: number; finishReason: FinishReason }
  | { type: 'usage'; usage: Usage }
  /** A failure after the stream started; always the last part. */
  | { type: 'error'; error: SwitchyardError };

/** Parts that carry output the client sees: once one has been sent, the attempt is committed. */
export function isContentPart(part: StreamPart): boolean {
  return (
    part.type === 'text-delta' ||
    part.type === 'reasoning-delta' ||
    part.type === 'reasoning-signature' ||
    part.type === 'redacted-reasoning' ||
    part.type === 'refusal-delta' ||
    part.type === 'tool-call-delta' ||
    part.type === 'output-item' ||
    part.type === 'finish'
  );
}
