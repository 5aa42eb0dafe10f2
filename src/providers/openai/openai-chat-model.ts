import type { Pool } from 'undici';
import { fetchOpenAIAnswer, openAIHeaders, openOpenAIStream } from './openai-transport.js';
import { UPSTREAM_SNIPPET_CHARS, type JsonTransport } from '../shared/json-transport.js';
import { readUpstreamJson, type UpstreamStream } from '../shared/open-upstream-stream.js';
import { ProviderProtocolError, type ProviderErrorSource } from '../../errors/provider-errors.js';
import type { ChatRequest } from '../../spec/chat-request.js';
import type { ChatResult } from '../../spec/chat-result.js';
import type { LanguageModel, LanguageModelCallOptions, LanguageModelStream } from '../../spec/language-model.js';
import type { StreamPart } from '../../spec/stream-part.js';
import type { Cancellation } from '../../util/cancellation.js';
import { chatResultToParts } from '../../spec/chat-result-to-parts.js';
import { mapTransportError } from '../shared/map-transport-error.js';
import type { Redact } from '../shared/secret-redactor.js';
import { SseDecoder } from '../shared/sse-decoder.js';
import { convertToOpenAIRequest } from './convert-to-openai-request.js';
import { OpenAIChunkReader, readChatCompletion } from './openai-api.js';

export type OpenAIChatModelSettings = {
  provider: string;
  name: string;
  wireModel: string;
  pool: Pool;
  /** Path of the chat completions endpoint on the pool's origin, with the base URL's prefix and query. */
  path: string;
  /** Includes the authorization header; built once, never logged. */
  headers: Readonly<Record<string, string>>;
  redact: Redact;
};

/** A model behind any OpenAI-compatible `/chat/completions` endpoint. */
export class OpenAIChatModel implements LanguageModel {
  readonly specificationVersion = 'v1';
  readonly provider: string;
  readonly name: string;
  readonly wireModel: string;
  private readonly source: ProviderErrorSource;
  private readonly transport: JsonTransport;
  /** A non-streamed call's headers, built once rather than per call. */
  private readonly jsonHeaders: Readonly<Record<string, string>>;
  /** A streamed call's headers, likewise. */
  private readonly streamHeaders: Readonly<Record<string, string>>;

  constructor(private readonly settings: OpenAIChatModelSettings) {
    this.provider = settings.provider;
    this.name = settings.name;
    this.wireModel = settings.wireModel;
    this.source = { provider: settings.provider, model: settings.name };
    this.transport = { pool: settings.pool, path: settings.path, headers: settings.headers, redact: settings.redact, source: this.source };
    this.jsonHeaders = openAIHeaders(settings.headers, false);
    this.streamHeaders = openAIHeaders(settings.headers, true);
  }

  async doGenerate(request: ChatRequest, options: LanguageModelCallOptions): Promise<ChatResult> {
    const { body, warnings } = convertToOpenAIRequest(request, this.wireModel, false);
    const answer = await fetchOpenAIAnswer(this.transport, JSON.stringify(body), options.cancellation, this.jsonHeaders);
    const result = readChatCompletion(answer, this.source, this.settings.redact);
    if (warnings) result.warnings = warnings;
    return result;
  }

  async doStream(request: ChatRequest, options: LanguageModelCallOptions): Promise<LanguageModelStream> {
    const { body, warnings } = convertToOpenAIRequest(request, this.wireModel, true);
    const stream = await openOpenAIStream(this.transport, JSON.stringify(body), options.cancellation, this.streamHeaders);
    if (!stream.contentType.includes('text/event-stream')) {
      // Some servers ignore `stream: true` and answer in one piece; replay it as parts.
      const result = readChatCompletion(await readUpstreamJson(this.transport, stream), this.source, this.settings.redact);
      return { parts: replay(chatResultToParts(result)), ...(warnings ? { warnings } : {}) };
    }
    return { parts: this.readStream(stream, options.cancellation), ...(warnings ? { warnings } : {}) };
  }

  private async *readStream(body: UpstreamStream, cancellation: Cancellation): AsyncGenerator<StreamPart> {
    const decoder = new SseDecoder();
    const reader = new OpenAIChunkReader(this.source, this.settings.redact);
    const parts: StreamPart[] = [];
    let done = false;
    const handle = (data: string): void => {
      if (done) return;
      if (data === '[DONE]') {
        done = true;
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        throw new ProviderProtocolError(this.source, `upstream sent a stream event that is not JSON: ${this.settings.redact(data, UPSTREAM_SNIPPET_CHARS)}`);
      }
      reader.read(json, parts);
    };
    try {
      // After [DONE] the body is read to its end anyway, so the connection goes back to the pool.
      for await (const chunk of body) {
        for (const event of decoder.write(chunk)) handle(event.data);
        if (parts.length > 0) {
          yield* parts;
          parts.length = 0;
        }
      }
      for (const event of decoder.end()) handle(event.data);
      yield* parts;
      if (!done && !reader.finished) {
        throw new ProviderProtocolError(this.source, 'upstream stream ended before the answer was complete');
      }
    } catch (error) {
      yield { type: 'error', error: mapTransportError(error, this.source, cancellation) };
    }
  }
}

async function* replay(parts: StreamPart[]): AsyncGenerator<StreamPart> {
  yield* parts;
}
