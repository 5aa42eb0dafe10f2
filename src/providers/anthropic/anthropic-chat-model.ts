import { ProviderProtocolError, type ProviderErrorSource } from '../../errors/provider-errors.js';
import type { ChatRequest } from '../../spec/chat-request.js';
import type { ChatResult } from '../../spec/chat-result.js';
import type { LanguageModel, LanguageModelCallOptions, LanguageModelStream } from '../../spec/language-model.js';
import type { StreamPart } from '../../spec/stream-part.js';
import type { Cancellation } from '../../util/cancellation.js';
import { chatResultToParts } from '../../spec/chat-result-to-parts.js';
import { mapTransportError } from '../shared/map-transport-error.js';
import { SseDecoder } from '../shared/sse-decoder.js';
import { AnthropicEventReader, droppedBlocksWarning, readMessage } from './anthropic-api.js';
import { fetchAnthropicAnswer, openAnthropicStream } from './anthropic-transport.js';
import { readUpstreamJson, type UpstreamStream } from '../shared/open-upstream-stream.js';
import { UPSTREAM_SNIPPET_CHARS, type JsonTransport } from '../shared/json-transport.js';
import { convertToAnthropicRequest, type AnthropicRequestOptions } from './convert-to-anthropic-request.js';

export type AnthropicChatModelSettings = {
  name: string;
  wireModel: string;
  maxOutput: number | undefined;
  promptCaching: AnthropicRequestOptions['promptCaching'];
  transport: JsonTransport;
};

/** A model behind Anthropic's native `/v1/messages`. */
export class AnthropicChatModel implements LanguageModel {
  readonly specificationVersion = 'v1';
  readonly provider: string;
  readonly name: string;
  readonly wireModel: string;
  private readonly source: ProviderErrorSource;

  constructor(private readonly settings: AnthropicChatModelSettings) {
    this.provider = settings.transport.source.provider;
    this.name = settings.name;
    this.wireModel = settings.wireModel;
    this.source = settings.transport.source;
  }

  async doGenerate(request: ChatRequest, options: LanguageModelCallOptions): Promise<ChatResult> {
    const { body, headers, warnings } = this.convert(request, false);
    const answer = await fetchAnthropicAnswer(this.settings.transport, JSON.stringify(body), headers, options.cancellation);
    const result = readMessage(answer, this.source, this.settings.transport.redact);
    const all = [...warnings, ...(result.warnings ?? [])];
    return all.length > 0 ? { ...result, warnings: all } : result;
  }

  async doStream(request: ChatRequest, options: LanguageModelCallOptions): Promise<LanguageModelStream> {
    const { body, headers, warnings } = this.convert(request, true);
    const stream = await openAnthropicStream(this.settings.transport, JSON.stringify(body), headers, options.cancellation);
    // The reader adds to `warnings` as the stream goes (blocks it drops); the attempt reads them when it ends.
    return { parts: this.parts(stream, options.cancellation, warnings), warnings };
  }

  private convert(request: ChatRequest, stream: boolean): ReturnType<typeof convertToAnthropicRequest> {
    const { maxOutput, promptCaching } = this.settings;
    return convertToAnthropicRequest(request, { wireModel: this.wireModel, stream, maxOutput, promptCaching });
  }

  private async *parts(stream: UpstreamStream, cancellation: Cancellation, warnings: string[]): AsyncGenerator<StreamPart> {
    if (!stream.contentType.includes('text/event-stream')) {
      // An upstream (a proxy in front of Anthropic) that answered in one piece: replay it as parts.
      try {
        const json = await readUpstreamJson(this.settings.transport, stream);
        const result = readMessage(json, this.source, this.settings.transport.redact);
        warnings.push(...(result.warnings ?? []));
        yield* chatResultToParts(result);
      } catch (error) {
        yield { type: 'error', error: mapTransportError(error, this.source, cancellation) };
      }
      return;
    }
    yield* this.readStream(stream, cancellation, warnings);
  }

  private async *readStream(body: UpstreamStream, cancellation: Cancellation, warnings: string[]): AsyncGenerator<StreamPart> {
    const decoder = new SseDecoder();
    const reader = new AnthropicEventReader(this.source, this.settings.transport.redact, (type) => warnings.push(droppedBlocksWarning([type])));
    const parts: StreamPart[] = [];
    const handle = (event: string | undefined, data: string): void => {
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        throw new ProviderProtocolError(this.source, `upstream sent a stream event that is not JSON: ${this.settings.transport.redact(data, UPSTREAM_SNIPPET_CHARS)}`);
      }
      reader.read(event, json, parts);
    };
    try {
      // After message_stop the body is read to its end anyway, so the connection goes back to the pool.
      for await (const chunk of body) {
        for (const event of decoder.write(chunk)) handle(event.event, event.data);
        if (parts.length > 0) {
          yield* parts;
          parts.length = 0;
        }
      }
      for (const event of decoder.end()) handle(event.event, event.data);
      yield* parts;
      parts.length = 0;
      if (!reader.finished) throw new ProviderProtocolError(this.source, 'upstream stream ended before the answer was complete');
    } catch (error) {
      // What the events before the failure said still counts, even when they came in the same chunk as it.
      yield* parts;
      yield { type: 'error', error: mapTransportError(error, this.source, cancellation) };
    }
  }
}
