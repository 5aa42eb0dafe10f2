import { ProviderProtocolError, type ProviderErrorSource } from '../../errors/provider-errors.js';
import type { ChatMessage, ToolCall } from '../../spec/chat-request.js';
import type { ChatChoice, ChatResult } from '../../spec/chat-result.js';
import type { StreamPart } from '../../spec/stream-part.js';
import { thoughtSignatureExtra } from '../../spec/thought-signature.js';
import type { Usage } from '../../spec/usage.js';
import { isRecord, readNumber, readString, type JsonRecord } from '../../util/json-guards.js';
import type { Redact } from '../shared/secret-redactor.js';
import { geminiHttpError, readGeminiError, statusOfGeminiError } from './gemini-error.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import { mapGeminiUsage } from './map-gemini-usage.js';

/**
 * Readers for the Gemini wire format: a GenerateContentResponse → ChatResult, stream chunks →
 * StreamParts. Function calls get ids (`call_<n>`, unique in the answer: Gemini gives none) and
 * keep their thought signatures; part kinds the canonical result has no place for (code
 * execution, generated media) are dropped, each named once in a warning on the attempt.
 */

/** The warning for answer parts that were dropped. */
export function droppedPartsWarning(kinds: Iterable<string>): string {
  return `dropped answer parts the canonical result has no place for: ${[...kinds].join(', ')}`;
}

/** What a part is, by the one data field it carries. */
function kindOf(part: JsonRecord): string {
  return Object.keys(part).find((key) => key !== 'thought' && key !== 'thoughtSignature') ?? 'empty';
}

/** A 200 answer that is Google's error object is thrown as the error it names. */
function throwIfError(json: JsonRecord, source: ProviderErrorSource, redact: Redact): void {
  const error = readGeminiError(json);
  if (error && !('candidates' in json)) throw geminiHttpError({ source, status: statusOfGeminiError(error, 500), fields: error, redact });
}

/** Hands out `call_1`, `call_2`, ... across one answer. */
class CallIds {
  private next = 0;
  take(): string {
    return `call_${++this.next}`;
  }
}

function toolCallOf(part: JsonRecord, ids: CallIds): ToolCall {
  const call = isRecord(part['functionCall']) ? part['functionCall'] : {};
  const signature = readString(part['thoughtSignature']);
  return {
    id: readString(call['id']) ?? ids.take(),
    type: 'function',
    function: { name: readString(call['name']) ?? '', arguments: JSON.stringify(isRecord(call['args']) ? call['args'] : {}) },
    ...(signature === undefined ? {} : thoughtSignatureExtra(signature)),
  };
}

function candidateChoice(candidate: JsonRecord, position: number, ids: CallIds, skipped: Set<string>): ChatChoice {
  const content = isRecord(candidate['content']) ? candidate['content'] : {};
  let text = '';
  let reasoning = '';
  let signature: string | undefined;
  const toolCalls: ToolCall[] = [];
  for (const part of Array.isArray(content['parts']) ? content['parts'] : []) {
    if (!isRecord(part)) continue;
    if (isRecord(part['functionCall'])) {
      toolCalls.push(toolCallOf(part, ids));
      continue;
    }
    signature = readString(part['thoughtSignature']) ?? signature;
    const partText = readString(part['text']);
    if (partText === undefined) {
      if (kindOf(part) !== 'empty') skipped.add(kindOf(part));
    } else if (part['thought'] === true) reasoning += partText;
    else text += partText;
  }
  const message: ChatMessage = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  // What OpenAI-compatible reasoning models call it, so an OpenAI client sees the thought summaries.
  if (reasoning !== '') message['reasoning_content'] = reasoning;
  if (signature !== undefined) Object.assign(message, thoughtSignatureExtra(signature));
  const raw = readString(candidate['finishReason']);
  return { index: readNumber(candidate['index']) ?? position, message, finishReason: mapGeminiFinishReason(raw, toolCalls.length > 0) };
}

/** The block reason of a refused prompt, if it was. */
function blockReasonOf(json: JsonRecord): string | undefined {
  return isRecord(json['promptFeedback']) ? readString(json['promptFeedback']['blockReason']) : undefined;
}

/** A whole GenerateContentResponse. A refused prompt is a content-filter finish with no content, not an error. */
export function readGenerateContent(json: unknown, source: ProviderErrorSource, redact: Redact): ChatResult {
  if (!isRecord(json)) throw new ProviderProtocolError(source, 'upstream answer is not a JSON object');
  throwIfError(json, source, redact);
  const candidates = Array.isArray(json['candidates']) ? json['candidates'].filter(isRecord) : [];
  const blockReason = blockReasonOf(json);
  if (candidates.length === 0 && blockReason === undefined) throw new ProviderProtocolError(source, 'upstream answer has no candidates and no promptFeedback.blockReason');
  const ids = new CallIds();
  const skipped = new Set<string>();
  const choices =
    candidates.length > 0
      ? candidates.map((candidate, position) => candidateChoice(candidate, position, ids, skipped))
      : [{ index: 0, message: { role: 'assistant' as const, content: '' }, finishReason: mapGeminiFinishReason(blockReason, false) }];
  const result: ChatResult = {
    id: readString(json['responseId']),
    created: undefined,
    responseModel: readString(json['modelVersion']),
    choices,
    usage: mapGeminiUsage(json['usageMetadata']),
    extra: {},
  };
  if (skipped.size > 0) result.warnings = [droppedPartsWarning(skipped)];
  return result;
}

/**
 * Turns the chunks of one `streamGenerateContent?alt=sse` answer into stream parts. Each chunk
 * is a GenerateContentResponse with the next parts; function calls come whole; every chunk
 * carries the usage so far, so only the last counts (sent once the stream ends, after the finish).
 */
export class GeminiChunkReader {
  private started = false;
  private usage: Usage | undefined;
  private readonly ids = new CallIds();
  private readonly toolCount = new Map<number, number>();
  private readonly finished = new Set<number>();
  private readonly dropped = new Set<string>();

  constructor(
    private readonly source: ProviderErrorSource,
    private readonly redact: Redact,
    /** Told each kind of part dropped, once per kind. */
    private readonly onDropped: (kind: string) => void = () => {},
  ) {}

  read(json: unknown, parts: StreamPart[]): void {
    if (!isRecord(json)) throw new ProviderProtocolError(this.source, 'upstream stream chunk is not a JSON object');
    throwIfError(json, this.source, this.redact);
    if (!this.started) {
      this.started = true;
      parts.push({ type: 'response-metadata', id: readString(json['responseId']), created: undefined, responseModel: readString(json['modelVersion']), extra: {} });
    }
    this.usage = mapGeminiUsage(json['usageMetadata']) ?? this.usage;
    const blockReason = blockReasonOf(json);
    if (blockReason !== undefined && !this.finished.has(0)) {
      this.finished.add(0);
      parts.push({ type: 'finish', choice: 0, finishReason: mapGeminiFinishReason(blockReason, false) });
    }
    const candidates = Array.isArray(json['candidates']) ? json['candidates'] : [];
    candidates.forEach((candidate, position) => {
      if (isRecord(candidate)) this.candidate(candidate, readNumber(candidate['index']) ?? position, parts);
    });
  }

  /** The stream ended: the usage, or a protocol error when no finish came (the stream was cut). */
  end(parts: StreamPart[]): void {
    if (this.finished.size === 0) throw new ProviderProtocolError(this.source, 'upstream stream ended before the answer was complete');
    if (this.usage) parts.push({ type: 'usage', usage: this.usage });
  }

  private candidate(candidate: JsonRecord, choice: number, parts: StreamPart[]): void {
    const content = isRecord(candidate['content']) ? candidate['content'] : {};
    for (const part of Array.isArray(content['parts']) ? content['parts'] : []) {
      if (!isRecord(part)) continue;
      if (isRecord(part['functionCall'])) {
        const call = toolCallOf(part, this.ids);
        const toolIndex = this.toolCount.get(choice) ?? 0;
        this.toolCount.set(choice, toolIndex + 1);
        const delta: StreamPart = { type: 'tool-call-delta', choice, toolIndex, id: call.id, name: call.function.name, argumentsDelta: call.function.arguments };
        const signature = readString(part['thoughtSignature']);
        parts.push(signature === undefined ? delta : { ...delta, thoughtSignature: signature });
        continue;
      }
      const text = readString(part['text']);
      if (text === undefined) this.drop(kindOf(part));
      else if (text !== '' && part['thought'] === true) parts.push({ type: 'reasoning-delta', choice, text });
      else if (text !== '') parts.push({ type: 'text-delta', choice, text });
    }
    const raw = readString(candidate['finishReason']);
    if (raw !== undefined && !this.finished.has(choice)) {
      this.finished.add(choice);
      parts.push({ type: 'finish', choice, finishReason: mapGeminiFinishReason(raw, (this.toolCount.get(choice) ?? 0) > 0) });
    }
  }

  private drop(kind: string): void {
    if (kind === 'empty' || this.dropped.has(kind)) return;
    this.dropped.add(kind);
    this.onDropped(kind);
  }
}
