import type { FinishReason, UnifiedFinishReason } from '../../spec/finish-reason.js';

/** Anthropic's `stop_reason`s (PROTOCOLS.md §2.5); anything else is `other`, with its raw value kept. */
// A Map, not an object literal: a reason such as "constructor" must not find Object.prototype members.
const UNIFIED = new Map<string, UnifiedFinishReason>([
  ['end_turn', 'stop'],
  ['stop_sequence', 'stop'],
  // A server tool's long turn paused; the client continues it by sending it back, as after a stop.
  ['pause_turn', 'stop'],
  ['max_tokens', 'length'],
  ['model_context_window_exceeded', 'length'],
  ['tool_use', 'tool_calls'],
  ['refusal', 'content_filter'],
]);

/** `stopSequence`: the `stop_sequence` that ended the answer, when one did. */
export function mapAnthropicFinishReason(raw: string | undefined, stopSequence?: string): FinishReason {
  const reason: FinishReason = { unified: (raw === undefined ? undefined : UNIFIED.get(raw)) ?? 'other', raw };
  if (stopSequence !== undefined) reason.stopSequence = stopSequence;
  return reason;
}
