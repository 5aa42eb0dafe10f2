import { ProviderProtocolError, type ProviderErrorSource } from '../../../errors/provider-errors.js';
import type { ChatMessage, ToolCall } from '../../../spec/chat-request.js';
import type { ChatResult } from '../../../spec/chat-result.js';
import type { FinishReason } from '../../../spec/finish-reason.js';
import type { StreamPart } from '../../../spec/stream-part.js';
import type { Usage } from '../../../spec/usage.js';
import { isRecord, readNumber, readString, type JsonRecord } from '../../../util/json-guards.js';
import type { Redact } from '../../shared/secret-redactor.js';
import { responsesFailure } from './responses-failure.js';

/**
 * Readers for the Responses API's answers: a Response (JSON, or the last event of a stream) and
 * its typed stream events, into the canonical ChatResult and StreamParts. They check the fields
 * Switchyard reads and skip output items it has no canonical place for.
 */

/** `usage` of a Response → Usage; `input_tokens` includes the cached ones, as Usage wants. */
export function mapResponsesUsage(raw: unknown): Usage | undefined {
  if (!isRecord(raw)) return undefined;
  const input = isRecord(raw['input_tokens_details']) ? raw['input_tokens_details'] : undefined;
  const output = isRecord(raw['output_tokens_details']) ? raw['output_tokens_details'] : undefined;
  const usage: Usage = {
    inputTokens: readNumber(raw['input_tokens']),
    cachedInputTokens: readNumber(input?.['cached_tokens']),
    cacheWriteTokens: readNumber(input?.['cache_write_tokens']),
    outputTokens: readNumber(raw['output_tokens']),
    reasoningTokens: readNumber(output?.['reasoning_tokens']),
    estimated: false,
    raw,
  };
  return usage.inputTokens === undefined && usage.outputTokens === undefined ? undefined : usage;
}

/**
 * A finished Response's status → the finish reason: `completed` is a stop, or tool calls when it
 * called functions; `incomplete` says why (`max_output_tokens`: length; `content_filter`).
 */
export function mapResponsesFinish(status: string | undefined, incompleteReason: string | undefined, calledTools: boolean): FinishReason {
  if (status === 'completed') return { unified: calledTools ? 'tool_calls' : 'stop', raw: status };
  if (status === 'incomplete') {
    const raw = incompleteReason ?? status;
    return { unified: raw === 'max_output_tokens' ? 'length' : raw === 'content_filter' ? 'content_filter' : 'other', raw };
  }
  return { unified: 'other', raw: status };
}

function incompleteReasonOf(response: JsonRecord): string | undefined {
  return isRecord(response['incomplete_details']) ? readString(response['incomplete_details']['reason']) : undefined;
}

/** Top-level fields worth keeping on the canonical answer. */
function extraOf(response: JsonRecord): Record<string, unknown> {
  const tier = readString(response['service_tier']);
  return tier === undefined ? {} : { service_tier: tier };
}

/**
 * A whole Response → ChatResult. Message text → `content`, refusals → `refusal`, function calls
 * → `tool_calls` (id = `call_id`), reasoning summaries → `reasoning_content`; with `keepItems` (a
 * Responses client), the items with no Chat Completions form (reasoning with its encrypted
 * content, built-in tool calls) ride on the message verbatim as `responses_items`, for its edge
 * to answer with and the next turn to send back. A failed Response is thrown as its error.
 */
export function readResponse(json: unknown, source: ProviderErrorSource, redact: Redact, keepItems: boolean): ChatResult {
  if (!isRecord(json)) throw new ProviderProtocolError(source, 'upstream answer is not a JSON object');
  const output = json['output'];
  if (json['status'] === 'failed' || (!Array.isArray(output) && isRecord(json['error']))) throw responsesFailure(json['error'], source, redact);
  if (!Array.isArray(output)) throw new ProviderProtocolError(source, 'upstream answer has no `output` array');
  const texts: string[] = [];
  const refusals: string[] = [];
  const summaries: string[] = [];
  const annotations: unknown[] = [];
  const calls: ToolCall[] = [];
  const kept: JsonRecord[] = [];
  for (const item of output) {
    if (!isRecord(item)) continue;
    switch (item['type']) {
      case 'message':
        for (const part of Array.isArray(item['content']) ? item['content'] : []) {
          if (!isRecord(part)) continue;
          const text = readString(part['text']);
          if (part['type'] === 'output_text' && text !== undefined) {
            texts.push(text);
            if (Array.isArray(part['annotations'])) annotations.push(...(part['annotations'] as unknown[]));
          }
          const refusal = readString(part['refusal']);
          if (part['type'] === 'refusal' && refusal !== undefined) refusals.push(refusal);
        }
        break;
      case 'function_call':
        calls.push({
          id: readString(item['call_id']) ?? readString(item['id']) ?? '',
          type: 'function',
          function: { name: readString(item['name']) ?? '', arguments: readString(item['arguments']) ?? '' },
        });
        break;
      case 'reasoning':
        for (const part of Array.isArray(item['summary']) ? item['summary'] : []) {
          const text = isRecord(part) ? readString(part['text']) : undefined;
          if (text !== undefined) summaries.push(text);
        }
        kept.push(item);
        break;
      default:
        kept.push(item);
    }
  }
  const message: ChatMessage = { role: 'assistant', content: texts.length > 0 ? texts.join('') : calls.length > 0 ? null : '' };
  if (refusals.length > 0) message['refusal'] = refusals.join('');
  if (calls.length > 0) message.tool_calls = calls;
  if (summaries.length > 0) message['reasoning_content'] = summaries.join('\n\n');
  if (annotations.length > 0) message['annotations'] = annotations;
  if (keepItems && kept.length > 0) message.responses_items = kept;
  return {
    id: readString(json['id']),
    created: readNumber(json['created_at']),
    responseModel: readString(json['model']),
    choices: [{ index: 0, message, finishReason: mapResponsesFinish(readString(json['status']), incompleteReasonOf(json), calls.length > 0) }],
    usage: mapResponsesUsage(json['usage']),
    extra: extraOf(json),
  };
}

/** Turns the typed stream events into stream parts, holding what a stream needs across them. */
export class ResponsesEventReader {
  /** Whether the Response ended (`response.completed` or `response.incomplete`): a stream without it was cut. */
  finished = false;
  private sentMetadata = false;
  /** Function calls by their `output_index`: their position among the calls, and whether any argument delta came. */
  private readonly calls = new Map<number, { toolIndex: number; streamed: boolean }>();
  private reasoningStarted = false;

  constructor(
    private readonly source: ProviderErrorSource,
    private readonly redact: Redact,
    /** A Responses client: items with no Chat Completions form come through whole (`output-item`), as `readResponse` keeps them. */
    private readonly keepItems = false,
  ) {}

  read(json: unknown, parts: StreamPart[]): void {
    if (!isRecord(json)) throw new ProviderProtocolError(this.source, 'upstream stream event is not a JSON object');
    const type = readString(json['type']);
    switch (type) {
      case 'response.created':
        if (isRecord(json['response'])) this.metadata(json['response'], parts);
        return;
      case 'response.output_item.added':
        this.itemAdded(json, parts);
        return;
      case 'response.output_item.done':
        this.itemDone(json['item'], parts);
        return;
      case 'response.function_call_arguments.delta':
        this.argumentsDelta(json, parts, readString(json['delta']) ?? '');
        return;
      case 'response.function_call_arguments.done':
        // A server that sends the arguments only here (no deltas) still has them carried.
        if (!this.callAt(json).streamed) this.argumentsDelta(json, parts, readString(json['arguments']) ?? '');
        return;
      case 'response.output_text.delta':
        this.push(parts, 'text-delta', json);
        return;
      case 'response.refusal.delta':
        this.push(parts, 'refusal-delta', json);
        return;
      case 'response.reasoning_summary_part.added':
        // Summary parts are separate paragraphs, as the JSON answer joins them.
        if (this.reasoningStarted) parts.push({ type: 'reasoning-delta', choice: 0, text: '\n\n' });
        return;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        this.reasoningStarted = true;
        this.push(parts, 'reasoning-delta', json);
        return;
      case 'response.completed':
      case 'response.incomplete':
        this.finish(json['response'], parts);
        return;
      case 'response.failed':
        throw responsesFailure(isRecord(json['response']) ? json['response']['error'] : undefined, this.source, this.redact);
      case 'error':
        throw responsesFailure(json, this.source, this.redact);
    }
  }

  private metadata(response: JsonRecord, parts: StreamPart[]): void {
    if (this.sentMetadata) return;
    this.sentMetadata = true;
    parts.push({ type: 'response-metadata', id: readString(response['id']), created: readNumber(response['created_at']), responseModel: readString(response['model']), extra: extraOf(response) });
  }

  private itemAdded(json: JsonRecord, parts: StreamPart[]): void {
    const item = json['item'];
    if (!isRecord(item) || item['type'] !== 'function_call') return;
    const outputIndex = readNumber(json['output_index']) ?? this.calls.size;
    const arguments_ = readString(item['arguments']) ?? '';
    const call = { toolIndex: this.calls.size, streamed: arguments_ !== '' };
    this.calls.set(outputIndex, call);
    parts.push({ type: 'tool-call-delta', choice: 0, toolIndex: call.toolIndex, id: readString(item['call_id']), name: readString(item['name']), argumentsDelta: arguments_ });
  }

  /** Reasoning (with its encrypted content) and built-in tool calls, whole, for a client that sends them back next turn. */
  private itemDone(item: unknown, parts: StreamPart[]): void {
    if (!this.keepItems || !isRecord(item) || item['type'] === 'message' || item['type'] === 'function_call') return;
    parts.push({ type: 'output-item', choice: 0, item });
  }

  private callAt(json: JsonRecord): { toolIndex: number; streamed: boolean } {
    const call = this.calls.get(readNumber(json['output_index']) ?? -1);
    if (!call) throw new ProviderProtocolError(this.source, 'upstream sent function call arguments for a call it never opened');
    return call;
  }

  private argumentsDelta(json: JsonRecord, parts: StreamPart[], delta: string): void {
    const call = this.callAt(json);
    if (delta === '') return;
    call.streamed = true;
    parts.push({ type: 'tool-call-delta', choice: 0, toolIndex: call.toolIndex, id: undefined, name: undefined, argumentsDelta: delta });
  }

  private push(parts: StreamPart[], type: 'text-delta' | 'refusal-delta' | 'reasoning-delta', json: JsonRecord): void {
    const text = readString(json['delta']);
    if (text) parts.push({ type, choice: 0, text });
  }

  private finish(response: unknown, parts: StreamPart[]): void {
    if (!isRecord(response)) throw new ProviderProtocolError(this.source, 'upstream ended the stream without its Response');
    this.finished = true;
    parts.push({ type: 'finish', choice: 0, finishReason: mapResponsesFinish(readString(response['status']), incompleteReasonOf(response), this.calls.size > 0) });
    const usage = mapResponsesUsage(response['usage']);
    if (usage) parts.push({ type: 'usage', usage });
  }
}
