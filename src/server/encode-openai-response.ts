import type { ChatResult } from '../spec/chat-result.js';
import type { FinishReason } from '../spec/finish-reason.js';
import type { Usage } from '../spec/usage.js';

/** The `model` of a blocked answer: no model served it. */
export const BLOCKED_MODEL = 'switchyard/blocked';

/** Finish reasons as OpenAI clients expect them; one no mapping knows goes out as the provider sent it. */
export function encodeFinishReason(reason: FinishReason): string | null {
  return reason.unified === 'other' ? (reason.raw ?? null) : reason.unified;
}

export function encodeUsage(usage: Usage): Record<string, unknown> {
  const out: Record<string, unknown> = { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens };
  if (usage.inputTokens !== undefined && usage.outputTokens !== undefined) out['total_tokens'] = usage.inputTokens + usage.outputTokens;
  if (usage.cachedInputTokens !== undefined || usage.cacheWriteTokens !== undefined) {
    out['prompt_tokens_details'] = { cached_tokens: usage.cachedInputTokens, cache_write_tokens: usage.cacheWriteTokens };
  }
  if (usage.reasoningTokens !== undefined) out['completion_tokens_details'] = { reasoning_tokens: usage.reasoningTokens };
  return out;
}

/** A `chat.completion` body; `model` is the catalog model that served. */
export function encodeChatCompletion(result: ChatResult, model: string, fallbackId: string): Record<string, unknown> {
  return {
    id: result.id ?? fallbackId,
    object: 'chat.completion',
    created: result.created ?? Math.floor(Date.now() / 1000),
    model,
    choices: result.choices.map((choice) => ({
      index: choice.index,
      message: choice.message,
      logprobs: choice.logprobs ?? null,
      finish_reason: encodeFinishReason(choice.finishReason),
    })),
    ...(result.usage ? { usage: encodeUsage(result.usage) } : {}),
    ...result.extra,
  };
}

/** The answer to a blocked request: the route's message, `finish_reason: content_filter`, no tokens. */
export function encodeBlockedCompletion(message: string, id: string): Record<string, unknown> {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: BLOCKED_MODEL,
    choices: [{ index: 0, message: { role: 'assistant', content: message, refusal: null }, logprobs: null, finish_reason: 'content_filter' }],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}

/** A completion id for answers that have no upstream id of their own. */
export function completionId(traceId: string): string {
  return `chatcmpl-${traceId.replaceAll('-', '')}`;
}
