import { ProviderHttpError, ProviderProtocolError, type ProviderErrorSource } from '../../errors/provider-errors.js';
import type { ChatMessage } from '../../spec/chat-request.js';
import type { ChatChoice, ChatResult } from '../../spec/chat-result.js';
import type { StreamPart } from '../../spec/stream-part.js';
import { isRecord, readNumber, readString, type JsonRecord } from '../../util/json-guards.js';
import type { Redact } from '../shared/secret-redactor.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { mapOpenAIUsage } from './map-openai-usage.js';

/**
 * Readers for the Chat Completions wire format. Deliberately minimal: they check the fields
 * Switchyard reads and keep everything else verbatim, because OpenAI-compatible servers add
 * fields of their own (reasoning_content, x_groq, provider, ...).
 */

const KNOWN_TOP_LEVEL = new Set(['id', 'object', 'created', 'model', 'choices', 'usage']);

function extraFields(json: JsonRecord): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const key in json) if (!KNOWN_TOP_LEVEL.has(key) && json[key] !== null) extra[key] = json[key];
  return extra;
}

export type OpenAIErrorFields = { status: number; message: string; type?: string; code?: string; param?: string };

/** An `{"error": ...}` object, as sent in error bodies, in-stream error events and some 200 answers; unredacted, see `quoteOpenAIError`. */
export function readOpenAIError(json: unknown, fallbackStatus: number): OpenAIErrorFields | undefined {
  if (!isRecord(json)) return undefined;
  const error = json['error'];
  if (typeof error === 'string') return { status: fallbackStatus, message: error };
  if (!isRecord(error)) return undefined;
  const code = error['code'];
  // OpenRouter puts the HTTP status in `code`.
  const status = typeof code === 'number' && code >= 400 && code <= 599 ? code : fallbackStatus;
  const result: OpenAIErrorFields = { status, message: readString(error['message']) ?? quoteJson(error) };
  const type = readString(error['type']);
  if (type !== undefined) result.type = type;
  if (typeof code === 'string') result.code = code;
  const param = readString(error['param']);
  if (param !== undefined) result.param = param;
  return result;
}

/** The error object as JSON; a hostile one can nest deeper than JSON.stringify's stack. */
function quoteJson(error: JsonRecord): string {
  try {
    return JSON.stringify(error);
  } catch {
    return 'an error object nested too deeply to quote';
  }
}

/** How much of the upstream's own message an error keeps: any real one fits, a hostile one is bounded. */
const UPSTREAM_MESSAGE_CHARS = 2_000;
const UPSTREAM_FIELD_CHARS = 200;

/** The error's fields as an error may quote them: each redacted, then cut. */
export function quoteOpenAIError(error: OpenAIErrorFields, redact: Redact): OpenAIErrorFields {
  const quoted: OpenAIErrorFields = { status: error.status, message: redact(error.message, UPSTREAM_MESSAGE_CHARS) };
  if (error.type !== undefined) quoted.type = redact(error.type, UPSTREAM_FIELD_CHARS);
  if (error.code !== undefined) quoted.code = redact(error.code, UPSTREAM_FIELD_CHARS);
  if (error.param !== undefined) quoted.param = redact(error.param, UPSTREAM_FIELD_CHARS);
  return quoted;
}

export function readChatCompletion(json: unknown, source: ProviderErrorSource, redact: Redact): ChatResult {
  if (!isRecord(json)) throw new ProviderProtocolError(source, 'upstream answer is not a JSON object');
  const rawChoices = json['choices'];
  if (!Array.isArray(rawChoices)) {
    const error = readOpenAIError(json, 502);
    if (error) throw new ProviderHttpError({ source, ...quoteOpenAIError(error, redact) });
    throw new ProviderProtocolError(source, 'upstream answer has no `choices` array');
  }
  const choices: ChatChoice[] = rawChoices.map((raw, position) => {
    if (!isRecord(raw) || !isRecord(raw['message'])) {
      throw new ProviderProtocolError(source, `upstream answer choice ${position} has no \`message\` object`);
    }
    // Copied, then the role set: not `{ ...message, role }`, which keeps the copy past young collections (util/merged.ts).
    const message = { ...raw['message'] } as ChatMessage;
    message.role = 'assistant';
    const choice: ChatChoice = {
      index: readNumber(raw['index']) ?? position,
      message,
      finishReason: mapOpenAIFinishReason(readString(raw['finish_reason'])),
    };
    if (raw['logprobs'] !== undefined) choice.logprobs = raw['logprobs'];
    return choice;
  });
  return {
    id: readString(json['id']),
    created: readNumber(json['created']),
    responseModel: readString(json['model']),
    choices,
    usage: mapOpenAIUsage(json['usage']),
    extra: extraFields(json),
  };
}

/** Turns one `chat.completion.chunk` into stream parts. Holds the little state a stream needs. */
export class OpenAIChunkReader {
  private sentMetadata = false;
  /** Whether any choice finished: a stream that ends without it (and without [DONE]) was cut. */
  finished = false;

  constructor(
    private readonly source: ProviderErrorSource,
    private readonly redact: Redact,
  ) {}

  read(json: unknown, parts: StreamPart[]): void {
    if (!isRecord(json)) throw new ProviderProtocolError(this.source, 'upstream stream chunk is not a JSON object');
    const error = readOpenAIError(json, 500);
    if (error && json['choices'] === undefined) {
      throw new ProviderHttpError({ source: this.source, ...quoteOpenAIError(error, this.redact) });
    }
    if (!this.sentMetadata) {
      this.sentMetadata = true;
      parts.push({
        type: 'response-metadata',
        id: readString(json['id']),
        created: readNumber(json['created']),
        responseModel: readString(json['model']),
        extra: extraFields(json),
      });
    }
    const choices = json['choices'];
    if (Array.isArray(choices)) {
      for (let position = 0; position < choices.length; position++) this.readChoice(choices[position], position, parts);
    }
    const usage = mapOpenAIUsage(json['usage']);
    if (usage) parts.push({ type: 'usage', usage });
  }

  private readChoice(raw: unknown, position: number, parts: StreamPart[]): void {
    if (!isRecord(raw)) return;
    const choice = readNumber(raw['index']) ?? position;
    const delta = isRecord(raw['delta']) ? raw['delta'] : undefined;
    if (delta) {
      // DeepSeek, vLLM and Groq name it reasoning_content; OpenRouter names it reasoning.
      const reasoning = readString(delta['reasoning_content']) || readString(delta['reasoning']);
      if (reasoning) parts.push({ type: 'reasoning-delta', choice, text: reasoning });
      const content = readString(delta['content']);
      const logprobs = raw['logprobs'];
      if (content) {
        parts.push(logprobs == null ? { type: 'text-delta', choice, text: content } : { type: 'text-delta', choice, text: content, logprobs });
      }
      const refusal = readString(delta['refusal']);
      if (refusal) parts.push({ type: 'refusal-delta', choice, text: refusal });
      const toolCalls = delta['tool_calls'];
      if (Array.isArray(toolCalls)) {
        toolCalls.forEach((call, callPosition) => {
          if (!isRecord(call)) return;
          const fn = isRecord(call['function']) ? call['function'] : undefined;
          parts.push({
            type: 'tool-call-delta',
            choice,
            toolIndex: readNumber(call['index']) ?? callPosition,
            id: readString(call['id']),
            name: readString(fn?.['name']),
            argumentsDelta: readString(fn?.['arguments']) ?? '',
          });
        });
      }
    }
    const finishReason = readString(raw['finish_reason']);
    if (finishReason !== undefined) {
      this.finished = true;
      parts.push({ type: 'finish', choice, finishReason: mapOpenAIFinishReason(finishReason) });
    }
  }
}
