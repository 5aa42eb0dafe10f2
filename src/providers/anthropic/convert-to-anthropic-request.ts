import type { CacheControl, ChatRequest, ToolDefinition } from '../../spec/chat-request.js';
import { isRecord } from '../../util/json-guards.js';
import { dropThoughtSignatures } from '../shared/drop-thought-signatures.js';
import { addCacheBreakpoints } from './add-cache-breakpoints.js';
import type { AnthropicBlock, Warnings } from './convert-anthropic-content.js';
import { convertMessages } from './convert-anthropic-messages.js';

export type AnthropicRequestOptions = {
  wireModel: string;
  stream: boolean;
  /** The catalog's output limit of the model: `max_tokens` when the client set none (the Messages API requires it). */
  maxOutput: number | undefined;
  promptCaching: 'auto' | 'off';
};

export type AnthropicRequest = {
  body: Record<string, unknown>;
  /** Headers of the client's Anthropic dialect that are forwarded: `anthropic-beta` alone (no client sets the key or version). */
  headers: Record<string, string>;
  /** What could not be carried, for the Attempt. */
  warnings: string[];
};

/** Used when neither the client nor the catalog gives an output limit. */
export const DEFAULT_MAX_TOKENS = 4096;

/** Passthrough fields read below (or consumed by the gateway): anything else is warned about and not sent, since the API rejects unknown fields. */
const HANDLED = new Set([
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
  'thinking',
  'user',
  'safety_identifier',
  'stream_options',
  'n',
  'logprobs',
  'top_logprobs',
]);

/** OpenAI's reasoning efforts as Messages API `output_config.effort` levels (it has no `minimal`). */
const EFFORT = new Map<string, string>([
  ['minimal', 'low'],
  ['low', 'low'],
  ['medium', 'medium'],
  ['high', 'high'],
  ['xhigh', 'xhigh'],
]);

/**
 * The canonical request → a Messages API body. Fields of the client's Anthropic dialect
 * (`dialectFields`) are copied last and win; everything the API cannot carry is dropped with a
 * warning. Throws an InvalidRequestError for what no upstream could take (a tool call whose
 * arguments are not a JSON object).
 */
export function convertToAnthropicRequest(request: ChatRequest, options: AnthropicRequestOptions): AnthropicRequest {
  const warnings: Warnings = new Set();
  const native = request.dialect === 'anthropic';
  const passthrough = request.passthrough;
  const unsigned = dropThoughtSignatures(request.messages);
  if (unsigned.warning !== undefined) warnings.add(unsigned.warning);
  const { system, messages } = convertMessages(unsigned.messages, native, warnings);
  const body: Record<string, unknown> = { model: options.wireModel, messages, max_tokens: maxTokens(request, options) };
  if (system.length > 0) body['system'] = system;

  const stop = passthrough['stop'];
  if (typeof stop === 'string') body['stop_sequences'] = [stop];
  else if (Array.isArray(stop) && stop.length > 0) body['stop_sequences'] = stop;

  const temperature = passthrough['temperature'];
  if (typeof temperature === 'number') {
    if (temperature > 1) warnings.add(`temperature ${temperature} was lowered to 1, the Messages API's maximum`);
    body['temperature'] = Math.min(temperature, 1);
  }
  for (const key of ['top_p', 'top_k', 'thinking']) if (passthrough[key] != null) body[key] = passthrough[key];

  const tools = convertTools(request.tools, native, warnings);
  if (tools.length > 0) body['tools'] = tools;
  const toolChoice = convertToolChoice(passthrough['tool_choice'], passthrough['parallel_tool_calls'] === false && tools.length > 0, warnings);
  if (toolChoice) body['tool_choice'] = toolChoice;

  const outputConfig: Record<string, unknown> = {};
  convertResponseFormat(request, outputConfig, warnings);
  convertReasoningEffort(passthrough['reasoning_effort'], body, outputConfig, warnings);
  if (Object.keys(outputConfig).length > 0) body['output_config'] = outputConfig;

  const user = passthrough['user'] ?? passthrough['safety_identifier'];
  if (typeof user === 'string' && user !== '') body['metadata'] = { user_id: user };

  const n = passthrough['n'];
  if (typeof n === 'number' && n > 1) warnings.add(`n ${n} was dropped: the Messages API answers with one choice`);
  if (passthrough['logprobs'] === true || passthrough['top_logprobs'] != null) warnings.add('logprobs were dropped: the Messages API does not return them');
  for (const key in passthrough) {
    if (!HANDLED.has(key) && passthrough[key] != null) warnings.add(`${key} was dropped: the Messages API has no such field`);
  }

  const headers: Record<string, string> = {};
  if (native) {
    Object.assign(body, request.dialectFields);
    const beta = Object.entries(request.dialectHeaders ?? {}).find(([name]) => name.toLowerCase() === 'anthropic-beta')?.[1];
    if (beta !== undefined) headers['anthropic-beta'] = beta;
  } else if (request.dialectFields && Object.keys(request.dialectFields).length > 0) {
    warnings.add(`fields of the ${request.dialect ?? 'client'} dialect were dropped: ${Object.keys(request.dialectFields).join(', ')}`);
  }
  body['model'] = options.wireModel;
  if (options.stream) body['stream'] = true;
  else delete body['stream'];
  if (options.promptCaching === 'auto') addCacheBreakpoints(body);
  return { body, headers, warnings: [...warnings] };
}

function maxTokens(request: ChatRequest, options: AnthropicRequestOptions): number {
  return request.maxOutputTokens ?? options.maxOutput ?? DEFAULT_MAX_TOKENS;
}

/** Function tools → `{ name, description, input_schema }`; an Anthropic client's own tools (server tools, extras) go back as they came. */
function convertTools(tools: readonly ToolDefinition[] | undefined, native: boolean, warnings: Warnings): AnthropicBlock[] {
  const out: AnthropicBlock[] = [];
  for (const tool of tools ?? []) {
    const { type, function: fn, cache_control: cacheControl, ...extras } = tool;
    if (type === 'function' && fn !== undefined) {
      const converted: AnthropicBlock = { name: fn.name, input_schema: fn.parameters ?? { type: 'object', properties: {} } };
      if (fn.description !== undefined) converted['description'] = fn.description;
      // The Messages API takes `strict` too, with the same meaning (the input follows the schema exactly).
      if (typeof fn.strict === 'boolean') converted['strict'] = fn.strict;
      if (native) Object.assign(converted, extras);
      else if (Object.keys(extras).length > 0) warnings.add(`tool fields ${Object.keys(extras).join(', ')} were dropped: the Messages API has no such tool fields`);
      out.push(cacheControl === undefined ? converted : { ...converted, cache_control: cacheControl as CacheControl });
    } else if (native) out.push({ ...tool });
    else warnings.add(`a \`${type}\` tool was dropped: the Messages API takes function tools`);
  }
  return out;
}

function convertToolChoice(choice: unknown, serial: boolean, warnings: Warnings): AnthropicBlock | undefined {
  let converted: AnthropicBlock | undefined;
  if (choice === 'auto') converted = { type: 'auto' };
  else if (choice === 'required') converted = { type: 'any' };
  else if (choice === 'none') converted = { type: 'none' };
  else if (isRecord(choice) && isRecord(choice['function']) && typeof choice['function']['name'] === 'string') {
    converted = { type: 'tool', name: choice['function']['name'] };
  } else if (choice != null) warnings.add('a tool_choice the Messages API cannot express was dropped');
  // `none` takes no parallel setting: no tool is called at all.
  if (serial && converted?.['type'] !== 'none') converted = { ...(converted ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return converted;
}

/** `json_schema` → `output_config.format` (structured outputs); `json_object` has no equivalent without a schema. */
function convertResponseFormat(request: ChatRequest, outputConfig: Record<string, unknown>, warnings: Warnings): void {
  const format = request.responseFormat;
  if (format === undefined || format.type === 'text') return;
  const schema = format.json_schema?.schema;
  if (format.type === 'json_schema' && schema !== undefined) outputConfig['format'] = { type: 'json_schema', schema };
  else warnings.add(`response_format ${format.type} was dropped: the Messages API takes a JSON schema only`);
}

/**
 * `reasoning_effort` → adaptive thinking at that `output_config.effort`: like OpenAI's, a level
 * rather than a token budget (`thinking.budget_tokens` would need a number invented, below
 * `max_tokens`). `none` turns thinking off. A client's own `thinking` (in the passthrough or its
 * Anthropic fields) wins.
 */
function convertReasoningEffort(effort: unknown, body: Record<string, unknown>, outputConfig: Record<string, unknown>, warnings: Warnings): void {
  if (typeof effort !== 'string') return;
  if (effort === 'none') {
    body['thinking'] ??= { type: 'disabled' };
    return;
  }
  const level = EFFORT.get(effort);
  if (level === undefined) {
    warnings.add(`reasoning_effort "${effort}" was dropped: the Messages API has no such effort level`);
    return;
  }
  body['thinking'] ??= { type: 'adaptive' };
  outputConfig['effort'] = level;
}
