import type { FinishReason } from '../../spec/finish-reason.js';
import type { StreamPart } from '../../spec/stream-part.js';
import type { Usage } from '../../spec/usage.js';
import {
  functionCallItem,
  incompleteReason,
  itemId,
  messageItem,
  outputText,
  reasoningItem,
  responseObject,
  type ResponseFrame,
  type ResponseItem,
} from './encode-responses-response.js';

/** An open content part, with the JSON of its delta events up to the delta itself (built once: deltas are most of a stream). */
type OpenPart = { kind: 'text' | 'refusal'; text: string; deltaPrefix: string };
type OpenMessage = { outputIndex: number; id: string; parts: Record<string, unknown>[]; part: OpenPart | undefined };
type OpenReasoning = { outputIndex: number; id: string; text: string; deltaPrefix: string };
type OpenCall = { outputIndex: number; id: string; callId: string; name: string; arguments: string; deltaPrefix: string };

/** `event:` line and the data's JSON up to the `delta` value, for `type` at this item (and content or summary index). */
function deltaPrefix(type: string, at: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...at }).slice(0, -1)},"delta":`;
}

/**
 * Encodes stream parts as the Responses API's typed SSE, once, at the edge: `response.created` and
 * `response.in_progress` before the first content, then one output item per run of reasoning (its
 * text as a summary), of message text and refusal (a content part each), and per function call,
 * each opened (`output_item.added`), filled by deltas and closed (`.done` events, then
 * `output_item.done`), and at the end `response.completed` or `response.incomplete` with the whole
 * response, usage included. Every event carries its `sequence_number`; there is no `[DONE]`. Only
 * the first choice is encoded: the dialect has one.
 */
export class ResponsesStreamEncoder {
  private sequence = 0;
  private started = false;
  private nextIndex = 0;
  private readonly output: ResponseItem[] = [];
  private message: OpenMessage | undefined;
  private reasoning: OpenReasoning | undefined;
  /** Function calls still open, by their position among the choice's calls. */
  private readonly calls = new Map<number, OpenCall>();
  private finish: FinishReason | undefined;
  private usage: Usage | undefined;
  private last: Record<string, unknown> | undefined;

  constructor(private readonly frame: ResponseFrame) {}

  /** The response object the stream ended with (`response.completed`/`incomplete`/`failed`); undefined before the end. */
  get response(): Record<string, unknown> | undefined {
    return this.last;
  }

  /** SSE text for one part; '' when the part produces no event yet. */
  encode(part: StreamPart): string {
    switch (part.type) {
      case 'usage':
        this.usage = part.usage;
        return '';
      // Signatures and encrypted reasoning are a vendor's own: the Responses stream has no place for another's.
      case 'reasoning-signature':
      case 'redacted-reasoning':
      case 'response-metadata':
      case 'error':
        return '';
      default:
        if (part.choice !== 0) return '';
    }
    let out = this.start();
    switch (part.type) {
      case 'text-delta':
      case 'refusal-delta': {
        if (part.text === '') return out;
        out += this.openMessage() + this.openPart(part.type === 'text-delta' ? 'text' : 'refusal');
        const open = (this.message as OpenMessage).part as OpenPart;
        open.text += part.text;
        return out + this.delta(open.deltaPrefix, part.text, open.kind === 'text' ? ',"logprobs":[]' : '');
      }
      case 'reasoning-delta': {
        if (part.text === '') return out;
        out += this.openReasoning();
        const reasoning = this.reasoning as OpenReasoning;
        reasoning.text += part.text;
        return out + this.delta(reasoning.deltaPrefix, part.text, '');
      }
      case 'tool-call-delta':
        return out + this.toolDelta(part);
      case 'output-item':
        return out + this.outputItem(part.item);
      case 'finish':
        this.finish = part.finishReason;
        return out + this.closeAll();
    }
  }

  /** The end of a stream that finished: open items closed, then `response.completed` (or `response.incomplete`) with the whole response. */
  end(): string {
    const out = this.start() + this.closeAll();
    const incomplete = incompleteReason(this.finish);
    const status = incomplete === undefined ? 'completed' : 'incomplete';
    this.last = responseObject(this.frame, { status, output: this.finished(), usage: this.usage, incomplete });
    return out + this.event(`response.${status}`, { response: this.last });
  }

  /**
   * A failure after the stream started: an `error` event (its `error` object is what the `openai`
   * client raises) and `response.failed` with the items finished so far, which other clients (Codex,
   * the AI SDK) read as the end. Nothing follows.
   */
  error(body: { type: string; code: string | null; message: string }): string {
    const code = body.code ?? 'server_error';
    const out = this.start() + this.event('error', { code, message: body.message, param: null, error: { type: body.type, code, message: body.message, param: null } });
    this.last = responseObject(this.frame, { status: 'failed', output: this.finished(), usage: this.usage, error: { code, message: body.message } });
    return out + this.event('response.failed', { response: this.last });
  }

  /** One event: `type` first and `sequence_number` last around the data's fields, without copying them into a new object. */
  private event(type: string, data: Record<string, unknown>): string {
    return `event: ${type}\ndata: {"type":"${type}",${JSON.stringify(data).slice(1, -1)},"sequence_number":${this.sequence++}}\n\n`;
  }

  /** A delta event from its prefix (`deltaPrefix`): the same JSON as `event` would write, without building an object per delta. */
  private delta(prefix: string, delta: string, rest: string): string {
    return `${prefix}${JSON.stringify(delta)}${rest},"sequence_number":${this.sequence++}}\n\n`;
  }

  private finished(): ResponseItem[] {
    return this.output.filter((item) => item !== undefined);
  }

  private start(): string {
    if (this.started) return '';
    this.started = true;
    // One JSON for both events: the response object is the largest thing a stream sends besides its last event.
    const opening = JSON.stringify(responseObject(this.frame, { status: 'in_progress', output: [] }));
    const lifecycle = (type: string): string => `event: ${type}\ndata: {"type":"${type}","response":${opening},"sequence_number":${this.sequence++}}\n\n`;
    return lifecycle('response.created') + lifecycle('response.in_progress');
  }

  private added(item: ResponseItem, outputIndex: number): string {
    return this.event('response.output_item.added', { output_index: outputIndex, item });
  }

  private done(item: ResponseItem, outputIndex: number): string {
    this.output[outputIndex] = item;
    return this.event('response.output_item.done', { output_index: outputIndex, item });
  }

  private openMessage(): string {
    if (this.message) return '';
    const out = this.closeAll();
    const outputIndex = this.nextIndex++;
    this.message = { outputIndex, id: itemId('msg', this.frame.traceId, outputIndex), parts: [], part: undefined };
    return out + this.added(messageItem(this.message.id, [], 'in_progress'), outputIndex);
  }

  private openPart(kind: 'text' | 'refusal'): string {
    const message = this.message as OpenMessage;
    if (message.part?.kind === kind) return '';
    const out = this.closePart();
    const at = { item_id: message.id, output_index: message.outputIndex, content_index: message.parts.length };
    message.part = { kind, text: '', deltaPrefix: deltaPrefix(kind === 'text' ? 'response.output_text.delta' : 'response.refusal.delta', at) };
    const part = kind === 'text' ? outputText('') : { type: 'refusal', refusal: '' };
    return out + this.event('response.content_part.added', { ...at, part });
  }

  private closePart(): string {
    const message = this.message;
    if (!message?.part) return '';
    const { kind, text } = message.part;
    message.part = undefined;
    const at = { item_id: message.id, output_index: message.outputIndex, content_index: message.parts.length };
    const part = kind === 'text' ? outputText(text) : { type: 'refusal', refusal: text };
    message.parts.push(part);
    const done = kind === 'text' ? this.event('response.output_text.done', { ...at, text, logprobs: [] }) : this.event('response.refusal.done', { ...at, refusal: text });
    return done + this.event('response.content_part.done', { ...at, part });
  }

  private openReasoning(): string {
    if (this.reasoning) return '';
    const out = this.closeAll();
    const outputIndex = this.nextIndex++;
    const id = itemId('rs', this.frame.traceId, outputIndex);
    const at = { item_id: id, output_index: outputIndex, summary_index: 0 };
    this.reasoning = { outputIndex, id, text: '', deltaPrefix: deltaPrefix('response.reasoning_summary_text.delta', at) };
    return out + this.added({ id, type: 'reasoning', summary: [] }, outputIndex) + this.event('response.reasoning_summary_part.added', { ...at, part: { type: 'summary_text', text: '' } });
  }

  private toolDelta(part: Extract<StreamPart, { type: 'tool-call-delta' }>): string {
    let out = '';
    let call = this.calls.get(part.toolIndex);
    if (!call) {
      // Calls come after the text and reasoning they follow; several calls may be open at once.
      out += this.closeMessage() + this.closeReasoning();
      const outputIndex = this.nextIndex++;
      const id = itemId('fc', this.frame.traceId, outputIndex);
      const prefix = deltaPrefix('response.function_call_arguments.delta', { item_id: id, output_index: outputIndex });
      call = { outputIndex, id, callId: part.id ?? `call_${id.slice(3)}`, name: part.name ?? '', arguments: '', deltaPrefix: prefix };
      this.calls.set(part.toolIndex, call);
      out += this.added(functionCallItem(id, { id: call.callId, name: call.name, arguments: '' }, 'in_progress'), outputIndex);
    }
    if (part.argumentsDelta === '') return out;
    call.arguments += part.argumentsDelta;
    return out + this.delta(call.deltaPrefix, part.argumentsDelta, '');
  }

  private closeMessage(): string {
    const message = this.message;
    if (!message) return '';
    const out = this.closePart();
    this.message = undefined;
    const status = incompleteReason(this.finish) === undefined ? 'completed' : 'incomplete';
    return out + this.done(messageItem(message.id, message.parts, status), message.outputIndex);
  }

  /**
   * An upstream's item, verbatim: the reasoning it summarized, if that is open, ends as this item
   * (its encrypted content kept); any other is added and done at once, after what is open.
   */
  private outputItem(item: ResponseItem): string {
    if (item['type'] === 'reasoning' && this.reasoning) return this.closeReasoning(item);
    const out = this.closeAll();
    const outputIndex = this.nextIndex++;
    return out + this.added(item, outputIndex) + this.done(item, outputIndex);
  }

  private closeReasoning(replacement?: ResponseItem): string {
    const reasoning = this.reasoning;
    if (!reasoning) return '';
    this.reasoning = undefined;
    const at = { item_id: reasoning.id, output_index: reasoning.outputIndex, summary_index: 0 };
    const part = { type: 'summary_text', text: reasoning.text };
    return (
      this.event('response.reasoning_summary_text.done', { ...at, text: reasoning.text }) +
      this.event('response.reasoning_summary_part.done', { ...at, part }) +
      this.done(replacement ?? reasoningItem(reasoning.id, reasoning.text), reasoning.outputIndex)
    );
  }

  private closeCalls(): string {
    let out = '';
    for (const call of this.calls.values()) {
      const at = { item_id: call.id, output_index: call.outputIndex };
      out += this.event('response.function_call_arguments.done', { ...at, name: call.name, arguments: call.arguments });
      out += this.done(functionCallItem(call.id, { id: call.callId, name: call.name, arguments: call.arguments }, 'completed'), call.outputIndex);
    }
    this.calls.clear();
    return out;
  }

  private closeAll(): string {
    return this.closeReasoning() + this.closeMessage() + this.closeCalls();
  }
}
