import type { ChatRequest } from '../spec/chat-request.js';
import type { Usage } from '../spec/usage.js';
import { countTokens } from './count-tokens.js';

// OpenAI's published accounting for chat prompts: ~3 tokens of framing per message, 3 to prime the reply.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;
// A high-detail 512px image tile; images are billed by size, which the gateway does not decode.
const TOKENS_PER_IMAGE = 765;

/** Estimated prompt tokens of a request (messages, and tool definitions, which are part of the prompt). */
export function estimatePromptTokens(request: ChatRequest): number {
  let total = TOKENS_PER_REPLY;
  for (const message of request.messages) {
    total += TOKENS_PER_MESSAGE + countTokens(message.role);
    const content = message.content;
    if (typeof content === 'string') total += countTokens(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (typeof part.text === 'string') total += countTokens(part.text);
        else if (part.type === 'image_url') total += TOKENS_PER_IMAGE;
      }
    }
    if (message.tool_calls) total += countTokens(JSON.stringify(message.tool_calls));
  }
  if (request.tools) total += countTokens(JSON.stringify(request.tools));
  return total;
}

/**
 * An upper bound of `estimatePromptTokens` that costs no tokenizing: a BPE token is at least one
 * byte of UTF-8, so bytes bound tokens. Lets the context-window check skip the tokenizer for the
 * many prompts that are far from any limit.
 */
export function promptTokenUpperBound(request: ChatRequest): number {
  let total = TOKENS_PER_REPLY;
  for (const message of request.messages) {
    total += TOKENS_PER_MESSAGE + Buffer.byteLength(message.role);
    const content = message.content;
    if (typeof content === 'string') total += Buffer.byteLength(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (typeof part.text === 'string') total += Buffer.byteLength(part.text);
        else if (part.type === 'image_url') total += TOKENS_PER_IMAGE;
      }
    }
    if (message.tool_calls) total += Buffer.byteLength(JSON.stringify(message.tool_calls));
  }
  if (request.tools) total += Buffer.byteLength(JSON.stringify(request.tools));
  return total;
}

/** Usage counted by the gateway, for upstreams that report none. Marked `estimated`. */
export function estimateUsage(request: ChatRequest, outputText: string): Usage {
  return {
    inputTokens: estimatePromptTokens(request),
    cachedInputTokens: undefined,
    cacheWriteTokens: undefined,
    outputTokens: countTokens(outputText),
    reasoningTokens: undefined,
    estimated: true,
  };
}
