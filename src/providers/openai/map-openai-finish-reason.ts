import type { FinishReason, UnifiedFinishReason } from '../../spec/finish-reason.js';

/**
 * OpenAI's reasons, plus the aliases OpenAI-compatible servers are known to send (vLLM/TGI
 * `eos`, Anthropic's compat layer `end_turn`/`max_tokens`, ...). Anything else is `other`.
 */
// A Map, not an object literal: a reason such as "constructor" must not find Object.prototype members.
const UNIFIED = new Map<string, UnifiedFinishReason>([
  ['stop', 'stop'],
  ['eos', 'stop'],
  ['end_turn', 'stop'],
  ['stop_sequence', 'stop'],
  ['length', 'length'],
  ['max_tokens', 'length'],
  ['model_length', 'length'],
  ['tool_calls', 'tool_calls'],
  ['tool_use', 'tool_calls'],
  ['function_call', 'function_call'],
  ['content_filter', 'content_filter'],
  ['refusal', 'content_filter'],
]);

export function mapOpenAIFinishReason(raw: string | undefined): FinishReason {
  return { unified: (raw === undefined ? undefined : UNIFIED.get(raw.toLowerCase())) ?? 'other', raw };
}
