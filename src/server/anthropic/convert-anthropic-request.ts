import { InvalidRequestError } from '../../errors/request-errors.js';
import type { ChatMessage, ChatRequest, ContentPart, ThinkingBlock, ToolCall, ToolDefinition } from '../../spec/chat-request.js';
import { describeZodIssues } from '../../util/describe-zod-issues.js';
import { quoteInput } from '../../util/quote-input.js';
import { MessagesBodySchema, type AnthropicBlock, type MessagesBody } from './anthropic-request-schema.js';
import { asContent, contentPart, invalidAt, stringField } from './convert-anthropic-blocks.js';
import { convertTool, convertToolChoice } from './convert-anthropic-tools.js';

/** Body fields with a canonical home; every other one goes to `dialectFields` verbatim. */
const TRANSLATED = new Set(['model', 'messages', 'system', 'stream', 'max_tokens', 'stop_sequences', 'temperature', 'top_p', 'tools', 'tool_choice']);

export type AnthropicRequestOptions = {
  /** `max_tokens` is required by `/v1/messages`, not by `/v1/messages/count_tokens`. */
  requireMaxTokens: boolean;
  /** The `anthropic-beta` header, forwarded to an Anthropic upstream. */
  beta: string | undefined;
};

/**
 * A Messages body as the canonical request (the contract is `spec/chat-request.ts`): system and
 * content blocks as Chat Completions messages and parts (cache breakpoints kept on each), tool
 * uses as `tool_calls`, each tool result as a `tool` message, thinking as `thinking_blocks`, and
 * what has no Chat Completions name in `dialectFields`. Throws InvalidRequestError naming the field.
 */
export function toAnthropicChatRequest(json: unknown, options: AnthropicRequestOptions): ChatRequest {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InvalidRequestError('Invalid request: the body must be a JSON object.');
  const parsed = MessagesBodySchema.safeParse(json);
  if (!parsed.success) {
    const [first, ...others] = describeZodIssues(parsed.error.issues, json, MessagesBodySchema);
    const param = first && first.path.length > 0 ? first.path.join('.') : undefined;
    const more = others.length > 0 ? ` (and ${others.length} more problem${others.length === 1 ? '' : 's'})` : '';
    throw new InvalidRequestError(`Invalid request: ${param ?? 'body'}: ${first?.message ?? 'invalid'}${more}`, param === undefined ? {} : { param });
  }
  const body = parsed.data;
  if (options.requireMaxTokens && body.max_tokens === undefined) {
    throw invalidAt('max_tokens', 'Field required: the most tokens the answer may take (for example 1024)');
  }
  const raw = json as Record<string, unknown>;
  const passthrough: Record<string, unknown> = {};
  const dialectFields: Record<string, unknown> = {};
  for (const key in raw) if (!TRANSLATED.has(key)) dialectFields[key] = raw[key];
  if (body.max_tokens !== undefined) passthrough['max_tokens'] = body.max_tokens;
  if (body.stop_sequences) passthrough['stop'] = body.stop_sequences;
  for (const key of ['temperature', 'top_p']) if (raw[key] !== undefined) passthrough[key] = raw[key];
  const tools = body.tools ? body.tools.map((tool, index) => convertTool(tool, `tools.${index}`)) : undefined;
  if (tools) passthrough['tools'] = tools;
  if (body.tool_choice) Object.assign(passthrough, convertToolChoice(body.tool_choice, 'tool_choice'));
  const userId = body.metadata?.user_id;
  return {
    model: body.model,
    messages: convertMessages(body),
    stream: body.stream === true,
    // Anthropic's streams always carry usage (`message_start`, `message_delta`).
    includeUsage: true,
    // Routing reads string hints here (sticky sessions by `metadata.user_id`); the original stays in `dialectFields`.
    metadata: typeof userId === 'string' ? { user_id: userId } : undefined,
    tools: tools as ToolDefinition[] | undefined,
    responseFormat: undefined,
    maxOutputTokens: body.max_tokens,
    passthrough,
    dialect: 'anthropic',
    dialectFields,
    ...(options.beta !== undefined ? { dialectHeaders: { 'anthropic-beta': options.beta } } : {}),
  };
}

function convertMessages(body: MessagesBody): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const system = body.system;
  if (typeof system === 'string') messages.push({ role: 'system', content: system });
  else if (system && system.length > 0) messages.push({ role: 'system', content: asContent(system.map((block, index) => contentPart(block, `system.${index}`))) });
  // Ids of the tool uses so far: a tool result must answer one of them.
  const toolUses = new Set<string>();
  body.messages.forEach((message, index) => {
    const path = `messages.${index}`;
    const content = message.content;
    if (message.role === 'assistant') {
      messages.push(typeof content === 'string' ? { role: 'assistant', content } : assistantMessage(content, `${path}.content`, toolUses));
    } else if (typeof content === 'string') messages.push({ role: message.role, content });
    else messages.push(...turnMessages(message.role, content, `${path}.content`, toolUses));
  });
  return messages;
}

/** An assistant turn: text and other blocks as content, tool uses as `tool_calls`, thinking as `thinking_blocks`. */
function assistantMessage(blocks: AnthropicBlock[], path: string, toolUses: Set<string>): ChatMessage {
  const parts: ContentPart[] = [];
  const calls: ToolCall[] = [];
  const thinking: ThinkingBlock[] = [];
  blocks.forEach((block, index) => {
    const at = `${path}.${index}`;
    switch (block.type) {
      case 'tool_use': {
        const { id: _id, name: _name, input, type: _type, ...extras } = block;
        const id = stringField(block, 'id', at);
        toolUses.add(id);
        calls.push({ ...extras, id, type: 'function', function: { name: stringField(block, 'name', at), arguments: JSON.stringify(input ?? {}) } });
        break;
      }
      case 'thinking':
        thinking.push({ type: 'thinking', thinking: stringField(block, 'thinking', at), signature: stringField(block, 'signature', at) });
        break;
      case 'redacted_thinking':
        thinking.push({ type: 'redacted_thinking', data: stringField(block, 'data', at) });
        break;
      default:
        parts.push(contentPart(block, at));
    }
  });
  const message: ChatMessage = { role: 'assistant', content: parts.length > 0 ? asContent(parts) : null };
  if (calls.length > 0) message.tool_calls = calls;
  if (thinking.length > 0) message.thinking_blocks = thinking;
  return message;
}

/**
 * A user (or system) turn: each tool result as a `tool` message, first (Chat Completions wants them
 * right after the assistant's calls), then the other blocks as one message of that role.
 */
function turnMessages(role: 'user' | 'system', blocks: AnthropicBlock[], path: string, toolUses: Set<string>): ChatMessage[] {
  const out: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  blocks.forEach((block, index) => {
    const at = `${path}.${index}`;
    if (block.type === 'tool_result') out.push(toolMessage(block, at, toolUses));
    else parts.push(contentPart(block, at));
  });
  if (parts.length > 0 || out.length === 0) out.push({ role, content: asContent(parts) });
  return out;
}

function toolMessage(block: AnthropicBlock, path: string, toolUses: Set<string>): ChatMessage {
  const id = stringField(block, 'tool_use_id', path);
  if (!toolUses.has(id)) {
    throw invalidAt(`${path}.tool_use_id`, `tool_result block for tool use ${quoteInput(id)}, which no earlier assistant tool_use block has: each tool_result must answer a tool_use of a previous turn`);
  }
  const { type: _type, tool_use_id: _id, content, is_error: isError, ...extras } = block;
  let converted: string | ContentPart[] = '';
  if (typeof content === 'string') converted = content;
  else if (Array.isArray(content)) converted = asContent(content.map((item: unknown, index) => resultPart(item, `${path}.content.${index}`)));
  else if (content !== undefined && content !== null) throw invalidAt(`${path}.content`, 'expected a string or a list of content blocks');
  const message: ChatMessage = { ...extras, role: 'tool', tool_call_id: id, content: converted };
  if (isError === true) message.is_error = true;
  return message;
}

function resultPart(item: unknown, path: string): ContentPart {
  if (typeof item !== 'object' || item === null || typeof (item as { type?: unknown }).type !== 'string') throw invalidAt(path, 'expected a content block with a string `type`');
  return contentPart(item as AnthropicBlock, path);
}
