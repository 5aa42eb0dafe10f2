import type { ChatRequest, ToolDefinition } from '../../spec/chat-request.js';
import { isRecord } from '../../util/json-guards.js';
import { convertContents } from './convert-gemini-contents.js';
import type { GeminiPart, Warnings } from './convert-gemini-part.js';

export type GeminiRequest = {
  /** A GenerateContentRequest (the model is in the path). */
  body: Record<string, unknown>;
  /** What could not be carried, for the Attempt. */
  warnings: string[];
};

/** Passthrough fields read below: anything else is warned about and not sent. */
const HANDLED = new Set([
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'temperature',
  'top_p',
  'top_k',
  'n',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'tools',
  'tool_choice',
  // Gemini decides on parallel calls itself; there is no switch to carry.
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
  'stream_options',
]);

/** Generation settings that keep their meaning under Gemini's camel-case name. */
const GENERATION_NUMBERS: ReadonlyArray<[string, string]> = [
  ['temperature', 'temperature'],
  ['top_p', 'topP'],
  ['top_k', 'topK'],
  ['seed', 'seed'],
  ['presence_penalty', 'presencePenalty'],
  ['frequency_penalty', 'frequencyPenalty'],
];

/** Gemini 3 thinks at a level (its models take `low` and `high`); others within a token budget. */
const THINKING_LEVEL = new Map<string, string>([
  ['minimal', 'low'],
  ['low', 'low'],
  ['medium', 'high'],
  ['high', 'high'],
  ['xhigh', 'high'],
]);

const THINKING_BUDGET = new Map<string, number>([
  ['none', 0],
  ['minimal', 512],
  ['low', 1024],
  ['medium', 8192],
  ['high', 24576],
  ['xhigh', 32768],
]);

/** Gemini 3 models: thinking levels instead of budgets, and thought signatures checked on function calls. */
export function isGemini3(wireModel: string): boolean {
  return /^(models\/)?gemini-3/.test(wireModel);
}

/**
 * The canonical request → a `generateContent` body. Everything the Gemini API cannot carry is
 * dropped with a warning per kind. Throws an InvalidRequestError for what no upstream could take
 * (tool call arguments that are not a JSON object, a tool result that answers no call).
 */
export function convertToGeminiRequest(request: ChatRequest, wireModel: string): GeminiRequest {
  const warnings: Warnings = new Set();
  const gemini3 = isGemini3(wireModel);
  const passthrough = request.passthrough;
  const { systemInstruction, contents } = convertContents(request.messages, gemini3, warnings);
  const body: Record<string, unknown> = { contents };
  if (systemInstruction.length > 0) body['systemInstruction'] = { parts: systemInstruction };

  const declarations = convertTools(request.tools, warnings);
  if (declarations.length > 0) body['tools'] = [{ functionDeclarations: declarations }];
  const toolConfig = convertToolChoice(passthrough['tool_choice'], warnings);
  if (toolConfig) body['toolConfig'] = { functionCallingConfig: toolConfig };

  const generation: Record<string, unknown> = {};
  if (request.maxOutputTokens !== undefined) generation['maxOutputTokens'] = request.maxOutputTokens;
  for (const [from, to] of GENERATION_NUMBERS) if (typeof passthrough[from] === 'number') generation[to] = passthrough[from];
  const stop = passthrough['stop'];
  if (typeof stop === 'string') generation['stopSequences'] = [stop];
  else if (Array.isArray(stop) && stop.length > 0) generation['stopSequences'] = stop;
  if (typeof passthrough['n'] === 'number' && passthrough['n'] > 1) generation['candidateCount'] = passthrough['n'];
  convertResponseFormat(request, generation, warnings);
  convertReasoningEffort(passthrough['reasoning_effort'], gemini3, generation, warnings);
  if (Object.keys(generation).length > 0) body['generationConfig'] = generation;

  for (const key in passthrough) {
    if (!HANDLED.has(key) && passthrough[key] != null) warnings.add(`${key} was dropped: the Gemini API has no such field`);
  }
  const fields = Object.keys(request.dialectFields ?? {});
  if (fields.length > 0) warnings.add(`fields of the ${request.dialect ?? 'client'} dialect were dropped: ${fields.join(', ')}`);
  const headers = Object.keys(request.dialectHeaders ?? {});
  if (headers.length > 0) warnings.add(`headers of the ${request.dialect ?? 'client'} dialect were dropped: ${headers.join(', ')}`);
  return { body, warnings: [...warnings] };
}

/** Function tools → `functionDeclarations`, their schemas as JSON Schema (`parametersJsonSchema` takes all of it, `additionalProperties` included). */
function convertTools(tools: readonly ToolDefinition[] | undefined, warnings: Warnings): GeminiPart[] {
  const declarations: GeminiPart[] = [];
  for (const tool of tools ?? []) {
    if (tool.type !== 'function' || tool.function === undefined) {
      warnings.add(`a \`${tool.type}\` tool was dropped: the Gemini API takes function tools`);
      continue;
    }
    if (tool.cache_control !== undefined) warnings.add('cache_control breakpoints were dropped: Gemini caches repeated prompt prefixes by itself');
    const declaration: GeminiPart = { name: tool.function.name };
    if (tool.function.description !== undefined) declaration['description'] = tool.function.description;
    if (tool.function.parameters !== undefined) declaration['parametersJsonSchema'] = tool.function.parameters;
    declarations.push(declaration);
  }
  return declarations;
}

function convertToolChoice(choice: unknown, warnings: Warnings): Record<string, unknown> | undefined {
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'required') return { mode: 'ANY' };
  if (choice === 'none') return { mode: 'NONE' };
  if (isRecord(choice) && isRecord(choice['function']) && typeof choice['function']['name'] === 'string') {
    return { mode: 'ANY', allowedFunctionNames: [choice['function']['name']] };
  }
  if (choice != null) warnings.add('a tool_choice the Gemini API cannot express was dropped');
  return undefined;
}

/** `json_schema` → JSON out with `responseJsonSchema`; `json_object` → JSON out, any shape. */
function convertResponseFormat(request: ChatRequest, generation: Record<string, unknown>, warnings: Warnings): void {
  const format = request.responseFormat;
  if (format === undefined || format.type === 'text') return;
  if (format.type === 'json_object') {
    generation['responseMimeType'] = 'application/json';
    return;
  }
  const schema = format.json_schema?.schema;
  if (format.type === 'json_schema' && schema !== undefined) {
    generation['responseMimeType'] = 'application/json';
    generation['responseJsonSchema'] = schema;
  } else warnings.add(`response_format ${format.type} was dropped: the Gemini API takes a JSON schema or JSON output`);
}

/** `reasoning_effort` → `thinkingConfig`, thought summaries included (they come back as reasoning). */
function convertReasoningEffort(effort: unknown, gemini3: boolean, generation: Record<string, unknown>, warnings: Warnings): void {
  if (typeof effort !== 'string') return;
  if (gemini3) {
    const level = THINKING_LEVEL.get(effort);
    if (effort === 'none') warnings.add('reasoning_effort "none" became thinkingLevel "low": Gemini 3 models always think');
    else if (level === undefined) {
      warnings.add(`reasoning_effort "${effort}" was dropped: Gemini has no such thinking level`);
      return;
    }
    generation['thinkingConfig'] = { thinkingLevel: level ?? 'low', includeThoughts: true };
    return;
  }
  const budget = THINKING_BUDGET.get(effort);
  if (budget === undefined) warnings.add(`reasoning_effort "${effort}" was dropped: Gemini has no such thinking budget`);
  else generation['thinkingConfig'] = budget === 0 ? { thinkingBudget: 0 } : { thinkingBudget: budget, includeThoughts: true };
}
