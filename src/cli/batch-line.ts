import { InvalidRequestError } from '../errors/request-errors.js';
import type { ChatRequest } from '../spec/chat-request.js';
import { BATCH_FORMATS, type AnswerEncoder, type BatchFormat } from './batch-formats.js';

/** What `--format` may force; `auto` detects each line's own. */
export type BatchLineFormat = BatchFormat | 'prompt' | 'auto';

export type BatchLineOptions = {
  format: BatchLineFormat;
  /** `--router`: every line goes to it, whatever its own `model`. */
  router: string | undefined;
  /** Where a line without a `model` goes when there is no `--router`. */
  defaultModel: string | undefined;
};

/** A line read: its request in canonical form and the dialect its answer is written in, or why it is invalid. */
export type BatchLine =
  | { id: string; line: number; format: BatchFormat; request: ChatRequest; encoder: AnswerEncoder }
  | { id: string; line: number; format: BatchFormat | undefined; error: InvalidRequestError };

/** Content block types only Anthropic's Messages API has: a `messages` body with one of them is a Messages body. */
const MESSAGES_BLOCKS = new Set(['image', 'document', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking', 'search_result', 'server_tool_use', 'web_search_tool_result']);

/** Top-level fields of a Messages body that a Chat Completions body does not have. */
const MESSAGES_FIELDS = ['system', 'stop_sequences', 'top_k', 'thinking'];

/**
 * The format of a line, by its fields: `prompt` (and no `messages`/`input`) is a prompt line;
 * `input` is a Responses body; `messages` is a Messages body when it has a top-level `system`,
 * `stop_sequences`, `top_k` or `thinking`, a tool with `input_schema`, or a content block only
 * Messages has (`image`, `document`, `tool_use`, `tool_result`, `thinking`, ...); any other
 * `messages` body is Chat Completions. Undefined when none fits.
 */
export function detectBatchFormat(body: Record<string, unknown>): BatchFormat | 'prompt' | undefined {
  if (body['messages'] === undefined && body['input'] === undefined) return body['prompt'] === undefined ? undefined : 'prompt';
  if (body['input'] !== undefined) return 'responses';
  if (MESSAGES_FIELDS.some((key) => body[key] !== undefined)) return 'messages';
  const tools = body['tools'];
  if (Array.isArray(tools) && tools.some((tool) => isObject(tool) && tool['input_schema'] !== undefined)) return 'messages';
  const messages = body['messages'];
  if (Array.isArray(messages) && messages.some((message) => isObject(message) && hasMessagesBlock(message['content']))) return 'messages';
  return 'chat';
}

function hasMessagesBlock(content: unknown): boolean {
  return Array.isArray(content) && content.some((block) => isObject(block) && typeof block['type'] === 'string' && MESSAGES_BLOCKS.has(block['type']));
}

/** A line's JSON and id (the line's `id`, else its line number), or why it has neither: read first, so a line already done costs no validation. */
export type ReadLine = { id: string; line: number; body: Record<string, unknown> } | { id: string; line: number; format: undefined; error: InvalidRequestError };

export function readBatchLine(text: string, line: number): ReadLine {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { id: String(line), line, format: undefined, error: new InvalidRequestError(`The line is not valid JSON: ${(error as Error).message}`, { code: 'invalid_json' }) };
  }
  if (!isObject(json)) return { id: String(line), line, format: undefined, error: new InvalidRequestError('The line must be a JSON object.') };
  const { id: rawId, ...body } = json;
  const id = rawId === undefined ? String(line) : typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : undefined;
  if (id === undefined || id === '') return { id: String(line), line, format: undefined, error: new InvalidRequestError('Invalid line: id: expected a non-empty string or a number.', { param: 'id' }) };
  return { id, line, body };
}

/**
 * A line's format and its request, checked as the server checks a body of that dialect. `stream`
 * is dropped (a batch writes whole answers), and the model is set by `--router` or defaulted.
 */
export function toBatchLine(read: ReadLine, options: BatchLineOptions): BatchLine {
  if ('error' in read) return read;
  const { id, line } = read;
  const { stream: _stream, stream_options: _streamOptions, ...body } = read.body;
  const format = options.format === 'auto' ? detectBatchFormat(body) : options.format;
  if (format === undefined) {
    return { id, line, format: undefined, error: new InvalidRequestError('Invalid line: expected `messages` (Chat Completions or Messages), `input` (Responses) or `prompt`.') };
  }
  const model = options.router ?? body['model'] ?? options.defaultModel;
  if (model !== undefined) body['model'] = model;
  const dialect = format === 'prompt' ? 'chat' : format;
  try {
    return { id, line, format: dialect, ...BATCH_FORMATS[dialect].parse(format === 'prompt' ? promptBody(body) : body) };
  } catch (error) {
    if (error instanceof InvalidRequestError) return { id, line, format: dialect, error };
    throw error;
  }
}

/** A prompt line as a Chat Completions body: the prompt is one user message, the other fields stay. */
function promptBody(body: Record<string, unknown>): Record<string, unknown> {
  const { prompt, ...rest } = body;
  if (typeof prompt !== 'string') throw new InvalidRequestError('Invalid line: prompt: expected a string.', { param: 'prompt' });
  return { ...rest, messages: [{ role: 'user', content: prompt }] };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
