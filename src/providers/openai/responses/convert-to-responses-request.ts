import type { ChatRequest, ResponseFormat, ToolDefinition } from '../../../spec/chat-request.js';
import { isRecord } from '../../../util/json-guards.js';
import { dropThoughtSignatures } from '../../shared/drop-thought-signatures.js';
import { convertResponsesInput, noLosses, type InputLosses, type ResponsesItem } from './convert-responses-input.js';

/** The upstream body, and what of the request it could not carry (recorded on the Attempt). */
export type ResponsesRequestBody = { body: Record<string, unknown>; warnings: string[] | undefined };

/** Passthrough fields read below; any other one is dropped with a warning (the API rejects unknown fields). */
const HANDLED = new Set([
  'tools',
  'tool_choice',
  'response_format',
  'max_tokens',
  'max_completion_tokens',
  'reasoning_effort',
  'verbosity',
  'temperature',
  'top_p',
  'parallel_tool_calls',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'service_tier',
  // Usage always comes with the last event; the gateway keeps conversation state itself.
  'stream_options',
  'store',
  'n',
]);

/** Copied as they are: the two APIs agree on their names and meanings. */
const SAME_NAME = ['temperature', 'top_p', 'parallel_tool_calls', 'user', 'safety_identifier', 'prompt_cache_key', 'service_tier'];

/** Fields of a Responses client's own request that are not forwarded: the gateway expands the conversation before routing. */
const NOT_FORWARDED = new Set(['previous_response_id', 'conversation', 'model', 'input', 'stream']);

/**
 * The canonical request → a `POST /responses` body (see `convertResponsesInput` for the messages).
 * `store` is false: the gateway keeps conversation state itself, and a stored response at one
 * vendor would be of no use to the next model. A request that came in as a Responses request gets
 * its own fields (`store`, `include`, `reasoning.summary`, built-in tools, ...) forwarded as sent;
 * one of another dialect loses, with a warning each, what the Responses API cannot say.
 */
export function convertToResponsesRequest(request: ChatRequest, wireModel: string, stream: boolean): ResponsesRequestBody {
  const native = request.dialect === 'responses';
  const passthrough = request.passthrough;
  const warnings: string[] = [];
  const losses = noLosses();
  const unsigned = dropThoughtSignatures(request.messages);
  if (unsigned.warning !== undefined) warnings.push(unsigned.warning);
  const { instructions, input } = convertResponsesInput(unsigned.messages, losses);

  const body: Record<string, unknown> = { model: wireModel };
  if (instructions !== undefined) body['instructions'] = instructions;
  body['input'] = input;
  const tools = convertTools(request.tools, native, losses, warnings);
  if (tools.length > 0) body['tools'] = tools;
  const toolChoice = convertToolChoice(passthrough['tool_choice'], native, warnings);
  if (toolChoice !== undefined) body['tool_choice'] = toolChoice;
  for (const key of SAME_NAME) if (passthrough[key] != null) body[key] = passthrough[key];
  if (request.maxOutputTokens !== undefined) body['max_output_tokens'] = request.maxOutputTokens;
  if (typeof passthrough['reasoning_effort'] === 'string') body['reasoning'] = { effort: passthrough['reasoning_effort'] };
  const text: Record<string, unknown> = {};
  const format = convertResponseFormat(request.responseFormat);
  if (format !== undefined) text['format'] = format;
  if (typeof passthrough['verbosity'] === 'string') text['verbosity'] = passthrough['verbosity'];
  if (Object.keys(text).length > 0) body['text'] = text;
  body['store'] = false;

  const n = passthrough['n'];
  if (typeof n === 'number' && n > 1) warnings.push(`n ${n} was dropped: the Responses API answers with one choice`);
  for (const key in passthrough) {
    if (!HANDLED.has(key) && passthrough[key] != null) warnings.push(`${key} was dropped: the Responses API has no such field`);
  }
  if (native) mergeOwnFields(body, request.dialectFields ?? {});
  else {
    const fields = Object.keys(request.dialectFields ?? {});
    if (fields.length > 0) warnings.push(`fields of the ${request.dialect ?? 'client'} dialect were dropped: ${fields.join(', ')}`);
    const headers = Object.keys(request.dialectHeaders ?? {});
    if (headers.length > 0) warnings.push(`${request.dialect ?? 'client'} headers were dropped: ${headers.join(', ')}`);
  }
  if (stream) body['stream'] = true;
  warnings.push(...lossWarnings(losses));
  return { body, warnings: warnings.length > 0 ? warnings : undefined };
}

/** A Responses client's own fields, over what was converted: objects (`reasoning`, `text`) merged a level deep, so `summary` joins `effort`. */
function mergeOwnFields(body: Record<string, unknown>, fields: Readonly<Record<string, unknown>>): void {
  for (const key in fields) {
    if (NOT_FORWARDED.has(key)) continue;
    const own = fields[key];
    const converted = body[key];
    body[key] = isRecord(own) && isRecord(converted) ? { ...converted, ...own } : own;
  }
}

/**
 * Chat Completions function tools → the flat `{ type: 'function', name, parameters, strict }`.
 * `strict` is spelled out for another dialect: the Responses API defaults it to true, Chat
 * Completions to false. A Responses client's built-in tools (web search, file search, ...) and
 * tool fields go as they came.
 */
function convertTools(tools: readonly ToolDefinition[] | undefined, native: boolean, losses: InputLosses, warnings: string[]): ResponsesItem[] {
  const out: ResponsesItem[] = [];
  const dropped = new Set<string>();
  const extras = new Set<string>();
  for (const tool of tools ?? []) {
    const { type, function: fn, cache_control: cacheControl, ...rest } = tool;
    if (cacheControl !== undefined) losses.breakpoints++;
    if (type === 'function' && fn !== undefined) {
      const converted: ResponsesItem = { type, name: fn.name, parameters: fn.parameters ?? { type: 'object', properties: {} } };
      const strict = fn.strict ?? (native ? undefined : false);
      if (strict != null) converted['strict'] = strict;
      if (fn.description !== undefined) converted['description'] = fn.description;
      if (native) Object.assign(converted, rest);
      else for (const key in rest) extras.add(key);
      out.push(converted);
    } else if (native) out.push({ type, ...rest });
    else dropped.add(type);
  }
  if (dropped.size > 0) warnings.push(`tools the Responses API cannot run were dropped (${[...dropped].join(', ')}): only function tools pass`);
  if (extras.size > 0) warnings.push(`tool fields the Responses API does not take were dropped: ${[...extras].join(', ')}`);
  return out;
}

/** A function by name and an allowed-tools list lose Chat Completions' nesting; the modes stay as they are. */
function convertToolChoice(choice: unknown, native: boolean, warnings: string[]): unknown {
  if (choice == null || typeof choice === 'string') return choice ?? undefined;
  if (isRecord(choice) && choice['type'] === 'function' && isRecord(choice['function'])) return { type: 'function', name: choice['function']['name'] };
  const allowed = isRecord(choice) && choice['type'] === 'allowed_tools' && isRecord(choice['allowed_tools']) ? choice['allowed_tools'] : undefined;
  if (allowed && Array.isArray(allowed['tools'])) {
    const tools = allowed['tools'].map((tool: unknown) => (isRecord(tool) && isRecord(tool['function']) ? { type: 'function', name: tool['function']['name'] } : tool));
    return { type: 'allowed_tools', mode: allowed['mode'], tools };
  }
  if (native) return choice;
  warnings.push(`tool_choice ${JSON.stringify(choice)} was dropped: the Responses API has no such choice`);
  return undefined;
}

/** `response_format` → `text.format`: the json_schema's name, schema and strictness move up a level. */
function convertResponseFormat(format: ResponseFormat | undefined): Record<string, unknown> | undefined {
  if (format === undefined) return undefined;
  if (format.type !== 'json_schema' || format.json_schema === undefined) return { type: format.type };
  const { name, schema, ...rest } = format.json_schema;
  return { type: 'json_schema', name, schema: schema ?? {}, ...rest };
}

function lossWarnings(losses: InputLosses): string[] {
  const warnings: string[] = [];
  if (losses.breakpoints > 0) warnings.push(`dropped ${losses.breakpoints} cache_control breakpoint(s): the Responses API caches prompt prefixes by itself`);
  if (losses.thinking > 0) warnings.push(`dropped ${losses.thinking} thinking block(s) of earlier turns: their signatures are only valid at the vendor that made them`);
  if (losses.errors > 0) warnings.push(`dropped is_error from ${losses.errors} tool result(s): the Responses API has no such flag`);
  if (losses.partTypes.size > 0) warnings.push(`dropped content of kinds the Responses API does not take: ${[...losses.partTypes].join(', ')}`);
  if (losses.callTypes.size > 0) warnings.push(`dropped tool calls of kinds the Responses API does not take back: ${[...losses.callTypes].join(', ')}`);
  if (losses.legacyFunctions > 0) warnings.push(`dropped ${losses.legacyFunctions} legacy \`function\` message(s): send tool results as \`tool\` messages`);
  return warnings;
}
