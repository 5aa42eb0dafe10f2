import type { ChatMessage } from '../../spec/chat-request.js';
import type { ChatResult } from '../../spec/chat-result.js';
import type { FinishReason } from '../../spec/finish-reason.js';
import type { Usage } from '../../spec/usage.js';

/** Anthropic's stop reasons: an upstream that speaks Anthropic sends one, and it goes back as sent. */
const ANTHROPIC_STOP_REASONS = new Set(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded']);

const STOP_REASON_BY_UNIFIED: Record<FinishReason['unified'], string | undefined> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
  other: undefined,
};

/** `stop_reason`: the raw one when it is Anthropic's, else the unified reason in Anthropic's words; one no mapping knows goes out as sent. */
export function encodeStopReason(reason: FinishReason): string | null {
  if (reason.raw !== undefined && ANTHROPIC_STOP_REASONS.has(reason.raw)) return reason.raw;
  return STOP_REASON_BY_UNIFIED[reason.unified] ?? reason.raw ?? null;
}

/**
 * Usage in Anthropic's terms: `input_tokens` excludes cache reads and writes, which have their own
 * fields. The wire has no "unknown" for the two main counts: 0 stands for it there (only when the
 * gateway could not even estimate), and a cache count that is unknown is `null`.
 */
export function encodeAnthropicUsage(usage: Usage | undefined): Record<string, unknown> {
  const cacheRead = usage?.cachedInputTokens;
  const cacheWrite = usage?.cacheWriteTokens;
  const input = usage?.inputTokens === undefined ? 0 : Math.max(0, usage.inputTokens - (cacheRead ?? 0) - (cacheWrite ?? 0));
  const out: Record<string, unknown> = {
    input_tokens: input,
    cache_creation_input_tokens: cacheWrite ?? null,
    cache_read_input_tokens: cacheRead ?? null,
    output_tokens: usage?.outputTokens ?? 0,
  };
  if (cacheWrite !== undefined) out['cache_creation'] = { ephemeral_5m_input_tokens: cacheWrite - (usage?.cacheWrite1hTokens ?? 0), ephemeral_1h_input_tokens: usage?.cacheWrite1hTokens ?? 0 };
  if (usage?.reasoningTokens !== undefined) out['output_tokens_details'] = { thinking_tokens: usage.reasoningTokens };
  return out;
}

/** The message id: the upstream's when it is an Anthropic one, else one made from the trace id (`msg_` and 32 hex digits). */
export function messageId(upstreamId: string | undefined, traceId: string): string {
  return upstreamId?.startsWith('msg_') ? upstreamId : `msg_${traceId.replaceAll('-', '')}`;
}

/** A tool call's arguments as the `input` object; text that is not JSON stays the string it was (never dropped). */
export function toolInput(args: string): unknown {
  if (args.trim() === '') return {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return args;
  }
}

/** The content blocks of an assistant message, in Anthropic's order: thinking, text (and other parts), tool uses. */
export function contentBlocks(message: ChatMessage): Record<string, unknown>[] {
  const blocks: Record<string, unknown>[] = [];
  if (message.thinking_blocks && message.thinking_blocks.length > 0) blocks.push(...message.thinking_blocks);
  // OpenAI-compatible reasoning models (DeepSeek, ...) return their reasoning as text with no signature.
  else if (typeof message['reasoning_content'] === 'string' && message['reasoning_content'] !== '') {
    blocks.push({ type: 'thinking', thinking: message['reasoning_content'], signature: '' });
  }
  const content = message.content;
  if (typeof content === 'string') {
    if (content !== '') blocks.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    for (const part of content) blocks.push(part.type === 'text' ? { type: 'text', text: part.text ?? '' } : part);
  }
  const refusal = message['refusal'];
  if (blocks.length === 0 && typeof refusal === 'string' && refusal !== '') blocks.push({ type: 'text', text: refusal });
  for (const call of message.tool_calls ?? []) blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments) });
  return blocks;
}

/** A Messages API answer from a result; `model` is the catalog model that served. */
export function encodeAnthropicMessage(result: ChatResult, model: string, traceId: string): Record<string, unknown> {
  const choice = result.choices[0];
  return {
    id: messageId(result.id, traceId),
    type: 'message',
    role: 'assistant',
    model,
    content: choice ? contentBlocks(choice.message) : [],
    stop_reason: choice ? encodeStopReason(choice.finishReason) : null,
    stop_sequence: choice?.finishReason.stopSequence ?? null,
    usage: encodeAnthropicUsage(result.usage),
  };
}

/** The answer to a blocked request: the route's message as a refusal, no tokens. */
export function encodeBlockedMessage(text: string, model: string, traceId: string): Record<string, unknown> {
  return {
    id: messageId(undefined, traceId),
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'refusal',
    stop_sequence: null,
    usage: { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
  };
}
