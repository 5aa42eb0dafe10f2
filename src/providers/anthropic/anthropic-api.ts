import { ProviderProtocolError, type ProviderErrorSource } from '../../errors/provider-errors.js';
import type { ChatMessage, ThinkingBlock, ToolCall } from '../../spec/chat-request.js';
import type { ChatResult } from '../../spec/chat-result.js';
import type { StreamPart } from '../../spec/stream-part.js';
import { isRecord, readString, type JsonRecord } from '../../util/json-guards.js';
import type { Redact } from '../shared/secret-redactor.js';
import { anthropicHttpError, readAnthropicError, statusOfErrorType } from './anthropic-error.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';
import { mapAnthropicUsage } from './map-anthropic-usage.js';

/**
 * Readers for the Messages API wire format: a Message → ChatResult, stream events → StreamParts.
 * They check the fields Switchyard reads; block types the canonical result has no place for (server
 * tools' blocks) are dropped, each type named once in a warning on the attempt.
 */

/** The warning for answer blocks that were dropped. */
export function droppedBlocksWarning(types: Iterable<string>): string {
  return `dropped answer blocks the canonical result has no place for: ${[...types].join(', ')}`;
}

/** Top-level fields a ChatResult already carries elsewhere, or that mean nothing to a client of another dialect. */
const KNOWN_TOP_LEVEL = new Set(['id', 'type', 'role', 'model', 'content', 'stop_reason', 'usage']);

function extraFields(json: JsonRecord): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const key in json) if (!KNOWN_TOP_LEVEL.has(key) && json[key] !== null) extra[key] = json[key];
  return extra;
}

/** An assistant message in Chat Completions shape from a Message's content blocks. */
function assistantMessage(content: unknown[], skipped: Set<string>): ChatMessage {
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  const thinking: ThinkingBlock[] = [];
  for (const block of content) {
    if (!isRecord(block)) continue;
    switch (block['type']) {
      case 'text':
        text += readString(block['text']) ?? '';
        if (Array.isArray(block['citations']) && block['citations'].length > 0) skipped.add('citations');
        break;
      case 'thinking': {
        const thought = readString(block['thinking']) ?? '';
        reasoning += thought;
        thinking.push({ type: 'thinking', thinking: thought, signature: readString(block['signature']) ?? '' });
        break;
      }
      case 'redacted_thinking':
        thinking.push({ type: 'redacted_thinking', data: readString(block['data']) ?? '' });
        break;
      case 'tool_use':
        toolCalls.push({
          id: readString(block['id']) ?? '',
          type: 'function',
          function: { name: readString(block['name']) ?? '', arguments: JSON.stringify(block['input'] ?? {}) },
        });
        break;
      default:
        skipped.add(String(block['type']));
    }
  }
  const message: ChatMessage = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (thinking.length > 0) message.thinking_blocks = thinking;
  // What OpenAI-compatible reasoning models call it, so an OpenAI client sees the thinking too.
  if (reasoning !== '') message['reasoning_content'] = reasoning;
  return message;
}

/** A whole Message; an error object in a 200 answer is thrown as the error it names. */
export function readMessage(json: unknown, source: ProviderErrorSource, redact: Redact): ChatResult {
  if (!isRecord(json)) throw new ProviderProtocolError(source, 'upstream answer is not a JSON object');
  const content = json['content'];
  if (!Array.isArray(content)) {
    const error = readAnthropicError(json);
    if (error) throw anthropicHttpError({ source, status: statusOfErrorType(error.type), fields: error, redact });
    throw new ProviderProtocolError(source, 'upstream answer has no `content` array');
  }
  const skipped = new Set<string>();
  const result: ChatResult = {
    id: readString(json['id']),
    created: undefined,
    responseModel: readString(json['model']),
    choices: [{ index: 0, message: assistantMessage(content, skipped), finishReason: mapAnthropicFinishReason(readString(json['stop_reason']), readString(json['stop_sequence'])) }],
    usage: mapAnthropicUsage(json['usage']),
    extra: extraFields(json),
  };
  if (skipped.size > 0) result.warnings = [droppedBlocksWarning(skipped)];
  return result;
}

/**
 * Turns the events of one streamed Message into stream parts. Anthropic numbers content blocks of
 * every kind; Chat Completions numbers tool calls alone, so tool_use blocks are renumbered.
 */
export class AnthropicEventReader {
  /** `message_stop` arrived: a stream that ends without it was cut. */
  finished = false;
  private startUsage: JsonRecord = {};
  private readonly toolIndexByBlock = new Map<number, number>();

  constructor(
    private readonly source: ProviderErrorSource,
    private readonly redact: Redact,
    /** Told the type of each block dropped (server tools' blocks), once per type. */
    private readonly onDropped: (type: string) => void = () => {},
  ) {}

  private readonly dropped = new Set<string>();

  read(event: string | undefined, json: unknown, parts: StreamPart[]): void {
    if (!isRecord(json)) throw new ProviderProtocolError(this.source, 'upstream stream event is not a JSON object');
    const type = readString(json['type']) ?? event;
    switch (type) {
      case 'message_start':
        return this.start(json['message'], parts);
      case 'content_block_start':
        return this.blockStart(json, parts);
      case 'content_block_delta':
        return this.blockDelta(json, parts);
      case 'message_delta':
        return this.messageDelta(json, parts);
      case 'message_stop':
        this.finished = true;
        return;
      case 'error': {
        const error = readAnthropicError(json) ?? { type: undefined, message: 'the upstream sent an error event without an error object', requestId: undefined };
        throw anthropicHttpError({ source: this.source, status: statusOfErrorType(error.type), fields: error, redact: this.redact });
      }
      // ping, content_block_stop, and event types added later carry nothing to pass on.
      default:
        return;
    }
  }

  private start(message: unknown, parts: StreamPart[]): void {
    const skeleton = isRecord(message) ? message : {};
    if (isRecord(skeleton['usage'])) this.startUsage = skeleton['usage'];
    parts.push({ type: 'response-metadata', id: readString(skeleton['id']), created: undefined, responseModel: readString(skeleton['model']), extra: {} });
  }

  private blockStart(json: JsonRecord, parts: StreamPart[]): void {
    const block = isRecord(json['content_block']) ? json['content_block'] : {};
    const index = typeof json['index'] === 'number' ? json['index'] : -1;
    switch (block['type']) {
      case 'text': {
        const text = readString(block['text']);
        if (text) parts.push({ type: 'text-delta', choice: 0, text });
        return;
      }
      case 'thinking': {
        const text = readString(block['thinking']);
        if (text) parts.push({ type: 'reasoning-delta', choice: 0, text });
        return;
      }
      case 'redacted_thinking':
        parts.push({ type: 'redacted-reasoning', choice: 0, data: readString(block['data']) ?? '' });
        return;
      case 'tool_use': {
        const toolIndex = this.toolIndexByBlock.size;
        this.toolIndexByBlock.set(index, toolIndex);
        parts.push({ type: 'tool-call-delta', choice: 0, toolIndex, id: readString(block['id']), name: readString(block['name']), argumentsDelta: '' });
        return;
      }
      default:
        this.drop(String(block['type']));
    }
  }

  private blockDelta(json: JsonRecord, parts: StreamPart[]): void {
    const delta = isRecord(json['delta']) ? json['delta'] : {};
    switch (delta['type']) {
      case 'text_delta': {
        const text = readString(delta['text']);
        if (text) parts.push({ type: 'text-delta', choice: 0, text });
        return;
      }
      case 'thinking_delta': {
        const text = readString(delta['thinking']);
        if (text) parts.push({ type: 'reasoning-delta', choice: 0, text });
        return;
      }
      case 'signature_delta': {
        const signature = readString(delta['signature']);
        if (signature) parts.push({ type: 'reasoning-signature', choice: 0, signature });
        return;
      }
      case 'input_json_delta': {
        const toolIndex = typeof json['index'] === 'number' ? this.toolIndexByBlock.get(json['index']) : undefined;
        const fragment = readString(delta['partial_json']);
        if (toolIndex === undefined) throw new ProviderProtocolError(this.source, 'upstream sent tool input for a block that is not a tool_use');
        if (fragment) parts.push({ type: 'tool-call-delta', choice: 0, toolIndex, id: undefined, name: undefined, argumentsDelta: fragment });
        return;
      }
      case 'citations_delta':
        return this.drop('citations');
    }
  }

  private drop(type: string): void {
    if (!this.dropped.has(type)) this.onDropped(type);
    this.dropped.add(type);
  }

  private messageDelta(json: JsonRecord, parts: StreamPart[]): void {
    const delta = isRecord(json['delta']) ? json['delta'] : {};
    const stopReason = readString(delta['stop_reason']);
    if (stopReason !== undefined) parts.push({ type: 'finish', choice: 0, finishReason: mapAnthropicFinishReason(stopReason, readString(delta['stop_sequence'])) });
    if (!isRecord(json['usage'])) return;
    // The delta's counts are cumulative and win; what it leaves out (or nulls) comes from message_start.
    const merged: JsonRecord = { ...this.startUsage };
    for (const [key, value] of Object.entries(json['usage'])) if (value !== null && value !== undefined) merged[key] = value;
    const usage = mapAnthropicUsage(merged);
    if (usage) parts.push({ type: 'usage', usage });
  }
}
