import type { FinishReason, UnifiedFinishReason } from '../../spec/finish-reason.js';

/** Gemini's `finishReason`s and `promptFeedback.blockReason`s; anything else is `other`, with its raw value kept. */
// A Map, not an object literal: a reason such as "constructor" must not find Object.prototype members.
const UNIFIED = new Map<string, UnifiedFinishReason>([
  ['STOP', 'stop'],
  ['MAX_TOKENS', 'length'],
  ['SAFETY', 'content_filter'],
  ['RECITATION', 'content_filter'],
  ['BLOCKLIST', 'content_filter'],
  ['PROHIBITED_CONTENT', 'content_filter'],
  ['SPII', 'content_filter'],
  ['IMAGE_SAFETY', 'content_filter'],
  ['IMAGE_PROHIBITED_CONTENT', 'content_filter'],
  ['IMAGE_RECITATION', 'content_filter'],
  // promptFeedback.blockReason: the prompt itself was refused.
  ['OTHER_BLOCK', 'content_filter'],
  ['MODEL_ARMOR', 'content_filter'],
]);

/** `calledFunctions`: the answer has functionCall parts, for which Gemini says STOP too. */
export function mapGeminiFinishReason(raw: string | undefined, calledFunctions: boolean): FinishReason {
  const unified = (raw === undefined ? undefined : UNIFIED.get(raw)) ?? 'other';
  return { unified: unified === 'stop' && calledFunctions ? 'tool_calls' : unified, raw };
}
