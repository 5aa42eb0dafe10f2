import { InvalidRequestError } from '../../errors/request-errors.js';
import type { CacheControl, ChatMessage, ContentPart } from '../../spec/chat-request.js';
import { convertContentPart, withCacheControl, type AnthropicBlock, type Warnings } from './convert-anthropic-content.js';

type Turn = { role: 'user' | 'assistant' | 'system'; content: AnthropicBlock[] };

export type AnthropicMessages = { system: AnthropicBlock[]; messages: Turn[] };

/**
 * Chat Completions messages → the Messages API's `system` and `messages`: system and developer
 * messages become system blocks, tool results become `tool_result` blocks of a user turn,
 * consecutive turns of one role merge (the API wants them alternating), and an assistant's
 * thinking blocks come first, signatures kept. `native`: the request came in Anthropic's dialect,
 * whose system messages after the first turn stay where the client put them (the API takes them
 * there, and moving them would change the cached prefix).
 */
export function convertMessages(messages: readonly ChatMessage[], native: boolean, warnings: Warnings): AnthropicMessages {
  const system: AnthropicBlock[] = [];
  const turns: Turn[] = [];
  const append = (role: 'user' | 'assistant', blocks: AnthropicBlock[]): void => {
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    if (last !== undefined && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  messages.forEach((message, position) => {
    if (message.name !== undefined) warnings.add('messages[].name was dropped: the Messages API has no participant names');
    switch (message.role) {
      case 'system':
      case 'developer': {
        const blocks = systemBlocks(message, native, warnings);
        if (native && turns.length > 0) {
          if (blocks.length > 0) turns.push({ role: 'system', content: blocks });
        } else system.push(...blocks);
        return;
      }
      case 'user':
        return append('user', contentBlocks(message, native, warnings));
      case 'tool':
        return append('user', [toolResult(message, position, native, warnings)]);
      case 'assistant':
        return append('assistant', assistantBlocks(message, position, native, warnings));
      default:
        warnings.add(`a \`${message.role}\` message was dropped: the Messages API has no such role (use tool messages)`);
    }
  });
  return { system, messages: turns };
}

/** Message-level `cache_control` (OpenRouter's and LiteLLM's shorthand) marks the message's last block. */
function markLast(blocks: AnthropicBlock[], message: ChatMessage): AnthropicBlock[] {
  const cacheControl = message['cache_control'] as CacheControl | undefined;
  const last = blocks.length - 1;
  if (cacheControl !== undefined && last >= 0) blocks[last] = withCacheControl(blocks[last] as AnthropicBlock, cacheControl);
  return blocks;
}

function parts(content: ChatMessage['content']): ContentPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return content ?? [];
}

function systemBlocks(message: ChatMessage, native: boolean, warnings: Warnings): AnthropicBlock[] {
  const blocks: AnthropicBlock[] = [];
  for (const part of parts(message.content)) {
    if (part.type !== 'text') warnings.add(`a \`${part.type}\` part of a system message was dropped: the Messages API's system prompt is text only`);
    else {
      const block = convertContentPart(part, native, warnings);
      if (block) blocks.push(block);
    }
  }
  return markLast(blocks, message);
}

/**
 * What a tool call or tool result carries besides its conversion's keys: for an Anthropic client,
 * the rest of its block as the edge kept it (`cache_control`, `caller`, `toolset_name`, ...); for
 * an OpenAI client, its cache breakpoint alone.
 */
function carried(item: Record<string, unknown>, consumed: readonly string[], native: boolean): Record<string, unknown> {
  if (!native) return item['cache_control'] === undefined ? {} : { cache_control: item['cache_control'] as CacheControl };
  const out: Record<string, unknown> = {};
  for (const key in item) if (!consumed.includes(key) && item[key] !== undefined) out[key] = item[key];
  return out;
}

function contentBlocks(message: ChatMessage, native: boolean, warnings: Warnings): AnthropicBlock[] {
  const blocks: AnthropicBlock[] = [];
  for (const part of parts(message.content)) {
    const block = convertContentPart(part, native, warnings);
    if (block) blocks.push(block);
  }
  return markLast(blocks, message);
}

function toolResult(message: ChatMessage, position: number, native: boolean, warnings: Warnings): AnthropicBlock {
  if (typeof message.tool_call_id !== 'string' || message.tool_call_id === '') {
    throw new InvalidRequestError(`messages[${position}] is a tool result without a tool_call_id, which the Messages API needs to match it to its tool call.`, {
      param: `messages[${position}].tool_call_id`,
    });
  }
  const block: AnthropicBlock = { type: 'tool_result', tool_use_id: message.tool_call_id };
  if (typeof message.content === 'string') {
    if (message.content !== '') block['content'] = message.content;
  } else if (Array.isArray(message.content)) {
    const content: AnthropicBlock[] = [];
    for (const part of message.content) {
      const converted = convertContentPart(part, native, warnings);
      if (converted) content.push(converted);
    }
    if (content.length > 0) block['content'] = content;
  }
  if (message.is_error === true) block['is_error'] = true;
  return { ...block, ...carried(message, ['role', 'content', 'tool_call_id', 'is_error', 'name'], native) };
}

function assistantBlocks(message: ChatMessage, position: number, native: boolean, warnings: Warnings): AnthropicBlock[] {
  const blocks: AnthropicBlock[] = [];
  for (const thinking of message.thinking_blocks ?? []) {
    if (thinking.type === 'redacted_thinking') blocks.push({ type: 'redacted_thinking', data: thinking.data });
    else if (thinking.signature) blocks.push({ type: 'thinking', thinking: thinking.thinking, signature: thinking.signature });
    else warnings.add('a thinking block without its signature was dropped: the Messages API accepts only signed thinking back');
  }
  const reasoning = message['reasoning_content'];
  if (message.thinking_blocks === undefined && typeof reasoning === 'string' && reasoning !== '') {
    warnings.add('reasoning_content without thinking_blocks was dropped: the Messages API accepts only signed thinking back');
  }
  for (const part of parts(message.content)) {
    const block = convertContentPart(part, native, warnings);
    if (block) blocks.push(block);
  }
  message.tool_calls?.forEach((call, index) => {
    const input = toolInput(call.function.arguments, position, index);
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input, ...carried(call, ['id', 'type', 'function'], native) });
  });
  if (message['function_call'] !== undefined) warnings.add('an assistant function_call (the legacy form of tool_calls) was dropped');
  return markLast(blocks, message);
}

/** A tool call's arguments, a JSON string in Chat Completions, as the object the Messages API wants; anything else is the client's error. */
function toolInput(argumentsText: string, position: number, index: number): Record<string, unknown> {
  const param = `messages[${position}].tool_calls[${index}].function.arguments`;
  if (argumentsText.trim() === '') return {};
  let input: unknown;
  try {
    input = JSON.parse(argumentsText);
  } catch {
    throw new InvalidRequestError(`${param} is not valid JSON; the Messages API needs a tool call's arguments as a JSON object.`, { param });
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidRequestError(`${param} is not a JSON object; the Messages API needs a tool call's arguments as a JSON object.`, { param });
  }
  return input as Record<string, unknown>;
}
