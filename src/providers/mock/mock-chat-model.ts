import {
  ProviderConnectionError,
  ProviderHttpError,
  ProviderProtocolError,
  type ProviderErrorSource,
} from '../../errors/provider-errors.js';
import { AbortedError } from '../../errors/request-errors.js';
import type { ChatRequest } from '../../spec/chat-request.js';
import type { ChatResult } from '../../spec/chat-result.js';
import type { FinishReason } from '../../spec/finish-reason.js';
import type { LanguageModel, LanguageModelCallOptions, LanguageModelStream } from '../../spec/language-model.js';
import type { StreamPart } from '../../spec/stream-part.js';
import type { Usage } from '../../spec/usage.js';
import { countPromptTokens } from '../../tokens/estimate-usage.js';
import { tokenCounter } from '../../tokens/token-counter.js';
import { sleep } from '../../util/sleep.js';
import type { MockOutcome, MockScenario } from './mock-scenario.js';

const REFUSAL = "I can't help with that.";

/** A rehearsal model: answers in-process, with the latency and faults its provider's scenario draws. */
export class MockChatModel implements LanguageModel {
  readonly specificationVersion = 'v1';
  private readonly source: ProviderErrorSource;
  private calls = 0;

  constructor(
    readonly provider: string,
    readonly name: string,
    readonly wireModel: string,
    private readonly scenario: MockScenario,
    private readonly options: { reply: string | undefined; chunkDelayMs: number },
  ) {
    this.source = { provider, model: name };
  }

  async doGenerate(request: ChatRequest, { signal }: LanguageModelCallOptions): Promise<ChatResult> {
    const outcome = await this.begin(signal);
    // A JSON answer cut mid-body is a broken connection to the client of this upstream.
    if (outcome.fault?.kind === 'cut') throw new ProviderConnectionError(this.source, 'connection cut mid-answer (rehearsal fault)');
    const { text, finishReason } = this.answer(outcome);
    return {
      id: `mock-${++this.calls}`,
      created: Math.floor(Date.now() / 1000),
      responseModel: this.wireModel,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finishReason }],
      usage: await this.usage(request, text),
      extra: {},
    };
  }

  async doStream(request: ChatRequest, { signal }: LanguageModelCallOptions): Promise<LanguageModelStream> {
    const outcome = await this.begin(signal);
    return { parts: this.parts(request, outcome, signal) };
  }

  /** Waits the drawn latency (and any stall), then throws the faults that come before the first byte. */
  private async begin(signal: AbortSignal): Promise<MockOutcome> {
    const outcome = this.scenario.next();
    if (!(await sleep(outcome.latencyMs + (outcome.fault?.kind === 'stall' ? outcome.fault.ms : 0), signal))) throw new AbortedError();
    const fault = outcome.fault;
    switch (fault?.kind) {
      case 'error':
        throw new ProviderHttpError({
          source: this.source,
          status: fault.status,
          message: fault.message ?? `rehearsal fault: HTTP ${fault.status}`,
          code: fault.code,
          retryAfterMs: fault.retry_after_ms,
        });
      case 'reset':
        throw new ProviderConnectionError(this.source, 'connection reset before any header (rehearsal fault)');
      case 'malformed':
        throw new ProviderProtocolError(this.source, 'upstream answered with invalid JSON (rehearsal fault)');
      case 'context_length':
        throw new ProviderHttpError({
          source: this.source,
          status: 400,
          message: "This model's maximum context length was exceeded (rehearsal fault)",
          code: 'context_length_exceeded',
          category: 'context_length',
        });
      default:
        return outcome;
    }
  }

  private answer(outcome: MockOutcome): { text: string; finishReason: FinishReason } {
    if (outcome.fault?.kind === 'refusal') return { text: REFUSAL, finishReason: { unified: 'content_filter', raw: 'content_filter' } };
    return { text: this.options.reply ?? `Rehearsal answer from ${this.name}.`, finishReason: { unified: 'stop', raw: 'stop' } };
  }

  private async *parts(request: ChatRequest, outcome: MockOutcome, signal: AbortSignal): AsyncGenerator<StreamPart> {
    const { text, finishReason } = this.answer(outcome);
    yield { type: 'response-metadata', id: `mock-${++this.calls}`, created: Math.floor(Date.now() / 1000), responseModel: this.wireModel, extra: {} };
    const chunks = text.match(/\S+\s*/g) ?? [];
    const cutAfter = outcome.fault?.kind === 'cut' ? outcome.fault.after_chunks : Infinity;
    try {
      for (let index = 0; index < chunks.length; index++) {
        if (index >= cutAfter) throw new ProviderConnectionError(this.source, `stream cut after ${cutAfter} chunks (rehearsal fault)`);
        if (index > 0 && this.options.chunkDelayMs > 0 && !(await sleep(this.options.chunkDelayMs, signal))) throw new AbortedError();
        yield { type: 'text-delta', choice: 0, text: chunks[index] ?? '' };
      }
      if (cutAfter <= chunks.length) throw new ProviderConnectionError(this.source, `stream cut after ${cutAfter} chunks (rehearsal fault)`);
    } catch (error) {
      yield { type: 'error', error: error as ProviderConnectionError };
      return;
    }
    yield { type: 'finish', choice: 0, finishReason };
    yield { type: 'usage', usage: await this.usage(request, text) };
  }

  /** The rehearsal upstream "reports" usage counted the way the gateway would estimate it (off the event loop, like it). */
  private async usage(request: ChatRequest, text: string): Promise<Usage> {
    const [input, output] = await Promise.all([countPromptTokens(request), tokenCounter.count([text])]);
    return {
      inputTokens: input.tokens,
      cachedInputTokens: undefined,
      cacheWriteTokens: undefined,
      outputTokens: output.tokens,
      reasoningTokens: undefined,
      estimated: false,
    };
  }
}
