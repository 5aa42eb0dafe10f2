import { ProviderProtocolError, type ProviderErrorSource } from '../../errors/provider-errors.js';
import type { ChatRequest } from '../../spec/chat-request.js';
import type { ChatResult } from '../../spec/chat-result.js';
import { chatResultToParts } from '../../spec/chat-result-to-parts.js';
import type { LanguageModel, LanguageModelCallOptions, LanguageModelStream } from '../../spec/language-model.js';
import type { StreamPart } from '../../spec/stream-part.js';
import type { Cancellation } from '../../util/cancellation.js';
import { UPSTREAM_SNIPPET_CHARS, type JsonTransport } from '../shared/json-transport.js';
import { mapTransportError } from '../shared/map-transport-error.js';
import { SseDecoder } from '../shared/sse-decoder.js';
import { convertToGeminiRequest } from './convert-to-gemini-request.js';
import { droppedPartsWarning, GeminiChunkReader, readGenerateContent } from './gemini-api.js';
import { fetchGeminiAnswer, geminiHeaders, openGeminiStream } from './gemini-transport.js';
import { readUpstreamJson, type UpstreamStream } from '../shared/open-upstream-stream.js';

export type GeminiChatModelSettings = {
  name: string;
  wireModel: string;
  /** `:generateContent` and `:streamGenerateContent?alt=sse` of the model. */
  generate: JsonTransport;
  stream: JsonTransport;
};

/** A model behind Gemini's native `generateContent`. */
export class GeminiChatModel implements LanguageModel {
  readonly specificationVersion = 'v1';
  readonly provider: string;
  readonly name: string;
  readonly wireModel: string;
  private readonly source: ProviderErrorSource;
  /** A non-streamed call's headers, built once rather than per call. */
  private readonly jsonHeaders: Readonly<Record<string, string>>;

  constructor(private readonly settings: GeminiChatModelSettings) {
    this.provider = settings.generate.source.provider;
    this.name = settings.name;
    this.wireModel = settings.wireModel;
    this.source = settings.generate.source;
    this.jsonHeaders = geminiHeaders(settings.generate, false);
  }

  async doGenerate(request: ChatRequest, options: LanguageModelCallOptions): Promise<ChatResult> {
    const transport = this.settings.generate;
    const { body, warnings } = convertToGeminiRequest(request, this.wireModel);
    const answer = await fetchGeminiAnswer(transport, JSON.stringify(body), options.cancellation, this.jsonHeaders);
    const result = readGenerateContent(answer, this.source, transport.redact);
    const all = [...warnings, ...(result.warnings ?? [])];
    return all.length > 0 ? { ...result, warnings: all } : result;
  }

  async doStream(request: ChatRequest, options: LanguageModelCallOptions): Promise<LanguageModelStream> {
    const { body, warnings } = convertToGeminiRequest(request, this.wireModel);
    const stream = await openGeminiStream(this.settings.stream, JSON.stringify(body), options.cancellation);
    // The reader adds to `warnings` as the stream goes (parts it drops); the attempt reads them when it ends.
    return { parts: this.parts(stream, options.cancellation, warnings), warnings };
  }

  private async *parts(stream: UpstreamStream, cancellation: Cancellation, warnings: string[]): AsyncGenerator<StreamPart> {
    const transport = this.settings.stream;
    if (!stream.contentType.includes('text/event-stream')) {
      // An upstream (a proxy in front of Gemini) that answered in one piece: replay it as parts.
      try {
        const result = readGenerateContent(await readUpstreamJson(transport, stream), this.source, transport.redact);
        warnings.push(...(result.warnings ?? []));
        yield* chatResultToParts(result);
      } catch (error) {
        yield { type: 'error', error: mapTransportError(error, this.source, cancellation) };
      }
      return;
    }
    const decoder = new SseDecoder();
    const reader = new GeminiChunkReader(this.source, transport.redact, (kind) => warnings.push(droppedPartsWarning([kind])));
    const parts: StreamPart[] = [];
    const handle = (data: string): void => {
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        throw new ProviderProtocolError(this.source, `upstream sent a stream chunk that is not JSON: ${transport.redact(data, UPSTREAM_SNIPPET_CHARS)}`);
      }
      reader.read(json, parts);
    };
    try {
      for await (const chunk of stream) {
        for (const event of decoder.write(chunk)) handle(event.data);
        if (parts.length > 0) {
          yield* parts;
          parts.length = 0;
        }
      }
      for (const event of decoder.end()) handle(event.data);
      reader.end(parts);
      yield* parts;
      parts.length = 0;
    } catch (error) {
      // What the chunks before the failure said still counts, even when they came in the same read as it.
      yield* parts;
      yield { type: 'error', error: mapTransportError(error, this.source, cancellation) };
    }
  }
}
