import type { ResponseFormat, ToolDefinition } from '../../spec/chat-request.js';
import { invalidAt } from './parse-responses-body.js';
import type { ResponsesBody } from './responses-request-schema.js';

type ResponsesTool = NonNullable<ResponsesBody['tools']>[number];

/**
 * A function tool (flat at Responses: `{ type: 'function', name, description, parameters, strict }`)
 * as a Chat Completions function, its other fields kept on the definition. Any other tool
 * (web_search, file_search, mcp, custom, namespace, ...) is kept verbatim: routing looks for a
 * model that can run it, and a provider that cannot carry it drops it with a warning.
 */
export function convertResponsesTool(tool: ResponsesTool, index: number): ToolDefinition {
  if (tool.type !== 'function') return tool;
  const { type: _type, name, description, parameters, strict, ...extras } = tool;
  if (name === undefined) throw invalidAt(['tools', index, 'name'], 'Field required');
  const fn: NonNullable<ToolDefinition['function']> = { name };
  if (typeof description === 'string') fn.description = description;
  if (typeof parameters === 'object' && parameters !== null) fn.parameters = parameters as Record<string, unknown>;
  if (typeof strict === 'boolean') fn.strict = strict;
  return { ...extras, type: 'function', function: fn };
}

/**
 * `tool_choice` in Chat Completions terms: the modes as they are, a function by name in Chat
 * Completions' nesting, an allowed-tools list likewise; undefined for a choice of a built-in tool,
 * which has no Chat Completions form (the caller keeps it among the dialect's fields).
 */
export function convertResponsesToolChoice(choice: NonNullable<ResponsesBody['tool_choice']>): unknown {
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function') {
    if (typeof choice['name'] !== 'string') throw invalidAt(['tool_choice', 'name'], 'Field required');
    return { type: 'function', function: { name: choice['name'] } };
  }
  if (choice.type === 'allowed_tools' && Array.isArray(choice['tools']) && choice['tools'].every(isFunctionRef)) {
    const tools = (choice['tools'] as { name: string }[]).map((tool) => ({ type: 'function', function: { name: tool.name } }));
    return { type: 'allowed_tools', allowed_tools: { mode: choice['mode'], tools } };
  }
  return undefined;
}

function isFunctionRef(tool: unknown): boolean {
  return typeof tool === 'object' && tool !== null && (tool as { type?: unknown }).type === 'function' && typeof (tool as { name?: unknown }).name === 'string';
}

/** `text.format` as Chat Completions' `response_format`: a flat json_schema nested under `json_schema`, json_object as is, plain text as none. */
export function convertTextFormat(format: NonNullable<NonNullable<ResponsesBody['text']>['format']>): ResponseFormat | undefined {
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      const { type: _type, name, schema, strict, description } = format;
      if (typeof name !== 'string') throw invalidAt(['text', 'format', 'name'], 'Field required');
      if (typeof schema !== 'object' || schema === null) throw invalidAt(['text', 'format', 'schema'], schema === undefined ? 'Field required' : 'expected a JSON schema object');
      const jsonSchema: NonNullable<ResponseFormat['json_schema']> = { name, schema: schema as Record<string, unknown> };
      if (typeof strict === 'boolean') jsonSchema.strict = strict;
      if (typeof description === 'string') jsonSchema['description'] = description;
      return { type: 'json_schema', json_schema: jsonSchema };
    }
    default:
      throw invalidAt(['text', 'format', 'type'], 'expected one of text, json_schema, json_object');
  }
}
