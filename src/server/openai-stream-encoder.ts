import type { StreamPart } from '../spec/stream-part.js';
import { thoughtSignatureExtra } from '../spec/thought-signature.js';
import { encodeFinishReason, encodeUsage } from './encode-openai-response.js';
import { merged } from '../util/merged.js';

/**
 * Encodes stream parts as Chat Completions SSE chunks, once, at the edge. Every chunk carries
 * the same id, `created` and (served) `model`; the first delta of each choice carries the role.
 */
export class OpenAIStreamEncoder {
  private id: string;
  private created = Math.floor(Date.now() / 1000);
  private extra: Readonly<Record<string, unknown>> = {};
  private readonly started = new Set<number>();

  constructor(
    fallbackId: string,
    private readonly model: string,
    /** The client asked for the usage chunk (`stream_options.include_usage`). */
    private readonly includeUsage: boolean,
  ) {
    this.id = fallbackId;
  }

  /** SSE text for one part; '' when the part produces no chunk. */
  encode(part: StreamPart): string {
    switch (part.type) {
      case 'response-metadata':
        if (part.id !== undefined) this.id = part.id;
        if (part.created !== undefined) this.created = part.created;
        this.extra = part.extra;
        return '';
      case 'text-delta':
        return this.delta(part.choice, { content: part.text }, null, part.logprobs);
      case 'reasoning-delta':
        return this.delta(part.choice, { reasoning_content: part.text }, null);
      case 'refusal-delta':
        return this.delta(part.choice, { refusal: part.text }, null);
      // LiteLLM's convention for Anthropic reasoning in Chat Completions deltas: a client that sends
      // the turn back (as `thinking_blocks`) keeps the signature Anthropic needs.
      case 'reasoning-signature':
        return this.delta(part.choice, { thinking_blocks: [{ type: 'thinking', thinking: '', signature: part.signature }] }, null);
      case 'redacted-reasoning':
        return this.delta(part.choice, { thinking_blocks: [{ type: 'redacted_thinking', data: part.data }] }, null);
      case 'tool-call-delta': {
        const call: Record<string, unknown> = { index: part.toolIndex };
        if (part.id !== undefined) call['id'] = part.id;
        if (part.id !== undefined || part.name !== undefined) call['type'] = 'function';
        const fn: Record<string, unknown> = { arguments: part.argumentsDelta };
        if (part.name !== undefined) fn['name'] = part.name;
        call['function'] = fn;
        // Where Gemini's OpenAI-compatible endpoint puts it, so a client that sends the call back keeps it.
        if (part.thoughtSignature !== undefined) Object.assign(call, thoughtSignatureExtra(part.thoughtSignature));
        return this.delta(part.choice, { tool_calls: [call] }, null);
      }
      case 'finish':
        return this.delta(part.choice, {}, encodeFinishReason(part.finishReason));
      case 'usage':
        return this.includeUsage ? this.chunk([], encodeUsage(part.usage)) : '';
      // A Responses upstream's item (encrypted reasoning, a built-in tool call): Chat Completions has no place for it.
      case 'output-item':
      case 'error':
        return '';
    }
  }

  /** A failure after the stream started: an error event the OpenAI SDKs raise, and no [DONE]. */
  error(body: { message: string; type: string; code: string | null }): string {
    return `data: ${JSON.stringify({ error: merged(body, { param: null }) })}\n\n`;
  }

  done(): string {
    return 'data: [DONE]\n\n';
  }

  private delta(choice: number, delta: Record<string, unknown>, finishReason: string | null, logprobs?: unknown): string {
    if (!this.started.has(choice)) {
      this.started.add(choice);
      delta = { role: 'assistant', ...delta };
    }
    return this.chunk([{ index: choice, delta, logprobs: logprobs ?? null, finish_reason: finishReason }], undefined);
  }

  private chunk(choices: unknown[], usage: Record<string, unknown> | undefined): string {
    const chunk: Record<string, unknown> = { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices };
    for (const key in this.extra) chunk[key] = this.extra[key];
    if (usage !== undefined) chunk['usage'] = usage;
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }
}
