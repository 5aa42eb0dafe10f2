import type { FinishReason } from '../../spec/finish-reason.js';
import type { StreamPart } from '../../spec/stream-part.js';
import type { Usage } from '../../spec/usage.js';
import { encodeAnthropicUsage, encodeStopReason } from './encode-anthropic-message.js';

type OpenBlock = { kind: 'text' | 'thinking' | 'tool'; index: number; toolIndex?: number; signed?: boolean };

/** One SSE event: the Anthropic SDKs dispatch on the `event:` line and drop data-only ones. */
function event(name: string, data: Record<string, unknown>): string {
  return `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
}

/**
 * Encodes stream parts as Anthropic's Messages SSE, once, at the edge: `message_start` before the
 * first content (with the usage known so far) and a `ping`, then one content block per run of
 * text, thinking or one tool call, numbered in order across kinds (Chat Completions numbers tool
 * calls on their own), and at the end `message_delta` with the stop reason and the cumulative usage,
 * then `message_stop`. Only the first choice is encoded: the dialect has one.
 */
export class AnthropicStreamEncoder {
  private started = false;
  private id: string;
  private usage: Usage | undefined;
  private finish: FinishReason | undefined;
  private open: OpenBlock | undefined;
  private nextIndex = 0;
  /** Block index of each tool call so far, by its position among the calls. */
  private readonly toolBlocks = new Map<number, number>();

  constructor(
    /** `msg_` id of the answer (an upstream Anthropic id replaces it, see `response-metadata`). */
    fallbackId: string,
    /** The catalog model that serves. */
    private readonly model: string,
  ) {
    this.id = fallbackId;
  }

  /** SSE text for one part; '' when the part produces no event yet. */
  encode(part: StreamPart): string {
    switch (part.type) {
      case 'response-metadata':
        if (part.id?.startsWith('msg_')) this.id = part.id;
        return '';
      case 'usage':
        this.usage = part.usage;
        return '';
      // A Responses upstream's item (encrypted reasoning, a built-in tool call): the Messages API has no place for it.
      case 'output-item':
      case 'error':
        return '';
      default:
        if (part.choice !== 0) return '';
    }
    let out = this.start();
    switch (part.type) {
      case 'text-delta':
      case 'refusal-delta':
        if (part.text === '') return out;
        out += this.ensure('text', () => ({ type: 'text', text: '' }));
        return out + this.delta({ type: 'text_delta', text: part.text });
      case 'reasoning-delta':
        if (this.open?.kind === 'thinking' && this.open.signed) out += this.close();
        out += this.ensure('thinking', () => ({ type: 'thinking', thinking: '', signature: '' }));
        return out + this.delta({ type: 'thinking_delta', thinking: part.text });
      case 'reasoning-signature':
        // A block with its thinking omitted (`display: omitted`) has a signature only.
        out += this.ensure('thinking', () => ({ type: 'thinking', thinking: '', signature: '' }));
        (this.open as OpenBlock).signed = true;
        return out + this.delta({ type: 'signature_delta', signature: part.signature });
      case 'redacted-reasoning': {
        out += this.close();
        const index = this.nextIndex++;
        return out + event('content_block_start', { index, content_block: { type: 'redacted_thinking', data: part.data } }) + event('content_block_stop', { index });
      }
      case 'tool-call-delta':
        return out + this.toolDelta(part);
      case 'finish':
        this.finish = part.finishReason;
        return out + this.close();
    }
  }

  /** The end of a stream that finished: the open block closed, the stop reason and usage, `message_stop`. */
  end(): string {
    const stopReason = this.finish ? encodeStopReason(this.finish) : null;
    const delta = { stop_reason: stopReason, stop_sequence: this.finish?.stopSequence ?? null, stop_details: null };
    return this.start() + this.close() + event('message_delta', { delta, usage: encodeAnthropicUsage(this.usage) }) + event('message_stop', {});
  }

  /** A failure after the stream started: an `error` event, which the SDKs raise, and no `message_stop`. */
  error(body: { type: string; message: string }, requestId: string): string {
    return event('error', { error: body, request_id: requestId });
  }

  private start(): string {
    if (this.started) return '';
    this.started = true;
    const message = {
      id: this.id,
      type: 'message',
      role: 'assistant',
      model: this.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      stop_details: null,
      usage: encodeAnthropicUsage(this.usage),
    };
    return event('message_start', { message }) + event('ping', {});
  }

  /** Opens a block of `kind` unless one is open: closes the open one of another kind first. */
  private ensure(kind: 'text' | 'thinking', block: () => Record<string, unknown>): string {
    if (this.open?.kind === kind) return '';
    const closed = this.close();
    const index = this.nextIndex++;
    this.open = { kind, index };
    return closed + event('content_block_start', { index, content_block: block() });
  }

  private toolDelta(part: Extract<StreamPart, { type: 'tool-call-delta' }>): string {
    const known = this.toolBlocks.get(part.toolIndex);
    let out = '';
    if (known === undefined) {
      out += this.close();
      const index = this.nextIndex++;
      this.toolBlocks.set(part.toolIndex, index);
      this.open = { kind: 'tool', index, toolIndex: part.toolIndex };
      const id = part.id ?? `toolu_${this.id.slice(4)}_${part.toolIndex}`;
      out += event('content_block_start', { index, content_block: { type: 'tool_use', id, name: part.name ?? '', input: {} } });
    }
    if (part.argumentsDelta === '') return out;
    // A delta for a call whose block was closed (calls streamed interleaved) still names its block: the SDKs accumulate by index.
    const index = known ?? (this.open as OpenBlock).index;
    return out + event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part.argumentsDelta } });
  }

  private delta(delta: Record<string, unknown>): string {
    return event('content_block_delta', { index: (this.open as OpenBlock).index, delta });
  }

  private close(): string {
    if (!this.open) return '';
    const { index } = this.open;
    this.open = undefined;
    return event('content_block_stop', { index });
  }
}
