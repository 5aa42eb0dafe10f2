import type { ToolDefinition } from '../../spec/chat-request.js';
import type { MessagesBody } from './anthropic-request-schema.js';
import { invalidAt } from './convert-anthropic-blocks.js';

type AnthropicTool = NonNullable<MessagesBody['tools']>[number];
type AnthropicToolChoice = NonNullable<MessagesBody['tool_choice']>;

/**
 * A client tool (no `type`, or `custom`) as a Chat Completions function, `input_schema` as its
 * `parameters`, everything else (`cache_control`, `defer_loading`, ...) kept on the definition.
 * A server tool (`web_search_20250305`, `bash_20250124`, ...) is kept verbatim with its type: only
 * an Anthropic upstream can run it.
 */
export function convertTool(tool: AnthropicTool, path: string): ToolDefinition {
  if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') return { ...tool, type: tool.type };
  const { name, description, input_schema: parameters, strict, type: _type, ...extras } = tool;
  if (parameters === undefined) throw invalidAt(`${path}.input_schema`, 'Field required');
  const fn: NonNullable<ToolDefinition['function']> = { name, parameters };
  if (typeof description === 'string') fn.description = description;
  if (typeof strict === 'boolean') fn.strict = strict;
  return { ...extras, type: 'function', function: fn };
}

/** `tool_choice` and `parallel_tool_calls` in Chat Completions terms. */
export function convertToolChoice(choice: AnthropicToolChoice, path: string): { tool_choice: unknown; parallel_tool_calls?: false } {
  const parallel = choice.disable_parallel_tool_use === true ? { parallel_tool_calls: false as const } : {};
  switch (choice.type) {
    case 'auto':
      return { tool_choice: 'auto', ...parallel };
    case 'any':
      return { tool_choice: 'required', ...parallel };
    case 'none':
      return { tool_choice: 'none' };
    case 'tool':
      if (choice.name === undefined) throw invalidAt(`${path}.name`, 'Field required');
      return { tool_choice: { type: 'function', function: { name: choice.name } }, ...parallel };
  }
}
