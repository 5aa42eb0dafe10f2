import type { ChatMessage, ChatRequest, ResponseFormat, ToolDefinition } from '../../spec/chat-request.js';
import { convertResponsesInput } from './convert-responses-input.js';
import { convertResponsesTool, convertResponsesToolChoice, convertTextFormat } from './convert-responses-tools.js';
import { invalidAt } from './parse-responses-body.js';
import type { ResponsesBody, ResponsesItem } from './responses-request-schema.js';

/**
 * Body fields with a canonical home, or that the edge consumes (`previous_response_id` is expanded
 * here: the id is the gateway's, no upstream knows it); every other one goes to `dialectFields`.
 */
const TRANSLATED = new Set([
  'model',
  'input',
  'instructions',
  'stream',
  'tools',
  'tool_choice',
  'text',
  'reasoning',
  'max_output_tokens',
  'metadata',
  'temperature',
  'top_p',
  'parallel_tool_calls',
  'user',
  'previous_response_id',
]);

/** Fields Chat Completions has under the same name and meaning. */
const SAME_NAME = ['temperature', 'top_p', 'parallel_tool_calls', 'user'] as const;

export type ConvertedResponsesRequest = {
  chat: ChatRequest;
  /** The conversation's input items, history first, references resolved: what is stored with the answer. */
  items: ResponsesItem[];
};

/** An object without the keys `known` (null ones too); undefined when nothing else is left. */
function beyond(value: Record<string, unknown>, known: readonly string[]): Record<string, unknown> | undefined {
  for (const key in value) if (!known.includes(key) && value[key] !== undefined && value[key] !== null) return value;
  return undefined;
}

/**
 * A checked Responses body as the canonical request (the contract is `spec/chat-request.ts`):
 * `instructions` as a leading system message, the items of `history` (the stored conversation of
 * `previous_response_id`, already expanded) and of `input` as messages, function tools, tool
 * choice and `text.format` in Chat Completions terms, `reasoning.effort` as `reasoning_effort`,
 * and what Chat Completions cannot say (`store`, `include`, `reasoning.summary`, `truncation`,
 * built-in tool choices, ...) verbatim in `dialectFields`, where a Responses target finds it.
 */
export function toResponsesChatRequest(
  body: ResponsesBody,
  history: readonly ResponsesItem[] = [],
  /** Output items of other stored responses that the input refers to by id (`item_reference`). */
  stored: ReadonlyMap<string, ResponsesItem> = new Map(),
): ConvertedResponsesRequest {
  const dialectFields: Record<string, unknown> = {};
  for (const key in body) if (!TRANSLATED.has(key)) dialectFields[key] = body[key];
  const passthrough: Record<string, unknown> = {};
  const tools = body.tools && body.tools.length > 0 ? body.tools.map((tool, index) => convertResponsesTool(tool, index)) : undefined;
  if (tools) passthrough['tools'] = tools;
  for (const key of SAME_NAME) {
    // Chat Completions refuses a tool setting without tools; the Responses API lets it be.
    if (key === 'parallel_tool_calls' && !tools) continue;
    if (body[key] !== undefined && body[key] !== null) passthrough[key] = body[key];
  }
  if (body.tool_choice && tools) {
    const choice = convertResponsesToolChoice(body.tool_choice);
    if (choice === undefined) dialectFields['tool_choice'] = body.tool_choice;
    else passthrough['tool_choice'] = choice;
  }
  let responseFormat: ResponseFormat | undefined;
  if (body.text) {
    responseFormat = body.text.format ? convertTextFormat(body.text.format) : undefined;
    if (responseFormat) passthrough['response_format'] = responseFormat;
    // `verbosity` and the like: the whole `text`, so a Responses target gets it as the client wrote it.
    if (beyond(body.text, ['format'])) dialectFields['text'] = body.text;
  }
  if (body.reasoning) {
    if (typeof body.reasoning.effort === 'string') passthrough['reasoning_effort'] = body.reasoning.effort;
    if (beyond(body.reasoning, ['effort'])) dialectFields['reasoning'] = body.reasoning;
  }
  const maxOutputTokens = body.max_output_tokens ?? undefined;
  if (maxOutputTokens !== undefined) passthrough['max_completion_tokens'] = maxOutputTokens;
  const { messages, items } = convertResponsesInput(history, body.input, stored);
  if (messages.length === 0) throw invalidAt(['input'], 'expected at least one input item');
  const instructions: ChatMessage[] = typeof body.instructions === 'string' && body.instructions !== '' ? [{ role: 'system', content: body.instructions }] : [];
  return {
    chat: {
      model: body.model,
      messages: [...instructions, ...messages],
      stream: body.stream === true,
      // The Responses stream always ends with the usage (`response.completed`).
      includeUsage: true,
      metadata: body.metadata ?? undefined,
      tools: tools as ToolDefinition[] | undefined,
      responseFormat,
      maxOutputTokens,
      passthrough,
      dialect: 'responses',
      dialectFields,
    },
    items,
  };
}
