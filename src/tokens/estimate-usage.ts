import type { ChatRequest } from '../spec/chat-request.js';
import type { Usage } from '../spec/usage.js';
import { countTokens, MAX_TOKEN_BYTES } from './count-tokens.js';
import { tokenCounter, type TokenCount, type TokenCounter } from './token-counter.js';
import { merged } from '../util/merged.js';

// OpenAI's published accounting for chat prompts: ~3 tokens of framing per message, 3 to prime the reply.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;
// A high-detail 512px image tile; images are billed by size, which the gateway does not decode.
const TOKENS_PER_IMAGE = 765;

/** Estimated prompt tokens of a request (messages, and tool definitions, which are part of the prompt), counted on this thread. */
export function estimatePromptTokens(request: ChatRequest): number {
  const { texts, fixed } = promptTexts(request);
  let total = fixed;
  for (const text of texts) total += countTokens(text);
  return total;
}

type PromptMemo = { texts?: PromptTexts; approximation?: number; count?: Promise<TokenCount> };
const MEMO = Symbol('promptMemo');

/**
 * What is worked out once per request object, kept on the object (non-enumerable, so a copy with
 * other messages starts afresh). Not in a module-level WeakMap keyed by the request: V8 (Node 20)
 * clears such entries only in a full collection, so each scavenge keeps the request and all it
 * reaches alive (measured in isolation; on the gateway the spread-first literals of util/merged.ts
 * were most of the promotion).
 */
function memoOf(request: ChatRequest): PromptMemo {
  const holder = request as ChatRequest & { [MEMO]?: PromptMemo };
  let memo = holder[MEMO];
  if (memo === undefined) {
    memo = {};
    Object.defineProperty(holder, MEMO, { value: memo });
  }
  return memo;
}

/**
 * A prompt's tokens from its length alone, four characters a token, as providers estimate a request
 * against a tokens-per-minute limit before counting it; once per request, no tokenizing.
 */
export function approximatePromptTokens(request: ChatRequest): number {
  const memo = memoOf(request);
  if (memo.approximation === undefined) {
    const { texts, fixed } = promptTexts(request);
    let chars = 0;
    for (const text of texts) chars += text.length;
    memo.approximation = fixed + Math.ceil(chars / 4);
  }
  return memo.approximation;
}

type PromptTexts = { texts: string[]; fixed: number };

/** The texts of a prompt the tokenizer counts, and the tokens it has besides them (framing, images); built once per request. */
function promptTexts(request: ChatRequest): PromptTexts {
  const memo = memoOf(request);
  return (memo.texts ??= collectPromptTexts(request));
}

function collectPromptTexts(request: ChatRequest): PromptTexts {
  const texts: string[] = [];
  let fixed = TOKENS_PER_REPLY;
  for (const message of request.messages) {
    fixed += TOKENS_PER_MESSAGE;
    texts.push(message.role);
    const content = message.content;
    if (typeof content === 'string') texts.push(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (typeof part.text === 'string') texts.push(part.text);
        else if (part.type === 'image_url') fixed += TOKENS_PER_IMAGE;
      }
    }
    if (message.tool_calls) texts.push(JSON.stringify(message.tool_calls));
  }
  if (request.tools) texts.push(JSON.stringify(request.tools));
  return { texts, fixed };
}

/**
 * Bounds of `estimatePromptTokens` that cost no tokenizing. From the UTF-8 bytes of its texts
 * (`bytes`, one pass over them): a BPE token is at least one byte and at most MAX_TOKEN_BYTES.
 * From their lengths alone (`chars`, free): a UTF-16 unit is 1 to 3 bytes of UTF-8. The upper bound
 * lets the context-window check skip the tokenizer for the many prompts far under a window, the
 * lower one for a huge prompt far over it.
 */
export function promptTokenBounds(request: ChatRequest, from: 'bytes' | 'chars' = 'bytes'): { lower: number; upper: number } {
  const { texts, fixed } = promptTexts(request);
  let lower = fixed;
  let upper = fixed;
  for (const text of texts) {
    const bytes = from === 'bytes' ? Buffer.byteLength(text) : undefined;
    lower += Math.ceil((bytes ?? text.length) / MAX_TOKEN_BYTES);
    upper += bytes ?? 3 * text.length;
  }
  return { lower, upper };
}

/**
 * `estimatePromptTokens` counted off the event loop (see `TokenCounter`), once per request object:
 * the context-window check and a usage estimate share the count. An estimate stays within the bounds.
 */
export function countPromptTokens(request: ChatRequest, counter: TokenCounter = tokenCounter): Promise<TokenCount> {
  const memo = memoOf(request);
  if (memo.count === undefined) {
    const { texts, fixed } = promptTexts(request);
    memo.count = counter.count(texts).then((count) => {
      if (count.exact) return { tokens: count.tokens + fixed, exact: true };
      const { lower, upper } = promptTokenBounds(request);
      return merged(count, { tokens: Math.min(upper, Math.max(lower, count.tokens + fixed)) });
    });
  }
  return memo.count;
}

/** Usage counted by the gateway, off the event loop, for upstreams that report none. Marked `estimated`. */
export async function estimateUsage(request: ChatRequest, outputText: string): Promise<Usage> {
  const [input, output] = await Promise.all([countPromptTokens(request), tokenCounter.count([outputText])]);
  return {
    inputTokens: input.tokens,
    cachedInputTokens: undefined,
    cacheWriteTokens: undefined,
    outputTokens: output.tokens,
    reasoningTokens: undefined,
    estimated: true,
  };
}
