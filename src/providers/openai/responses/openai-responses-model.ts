import { ProviderProtocolError, type ProviderErrorSource } from '../../../errors/provider-errors.js';
import type { ChatRequest } from '../../../spec/chat-request.js';
import type { ChatResult } from '../../../spec/chat-result.js';
import { chatResultToParts } from '../../../spec/chat-result-to-parts.js';
import type { LanguageModel, LanguageModelCallOptions, LanguageModelStream } from '../../../spec/language-model.js';
import type { StreamPart } from '../../../spec/stream-part.js';
import type { Cancellation } from '../../../util/cancellation.js';
import { UPSTREAM_SNIPPET_CHARS, type JsonTransport } from '../../shared/json-transport.js';
import { mapTransportError } from '../../shared/map-transport-error.js';
import { SseDecoder } from '../../shared/sse-decoder.js';
import { fetchOpenAIAnswer, openOpenAIStream } from '../openai-transport.js';
import { readUpstreamJson, type UpstreamStream } from '../../shared/open-upstream-stream.js';
import { convertToResponsesRequest } from './convert-to-responses-request.js';
import { readResponse, ResponsesEventReader } from './responses-api.js';

/**
 * A model behind OpenAI's Responses API (`POST {base}/responses`): the models OpenAI serves there
 * only, or any model a config sends there (`api: responses`). Same transport, pools, headers and
 * error mapping as the Chat Completions model of the provider.
 */
export class OpenAIResponsesModel implements LanguageModel {
  readonly specificationVersion = 'v1';
  readonly provider: string;
  readonly name: string;
  readonly wireModel: string;
  private readonly source: ProviderErrorSource;

  /** `transport.path` is the `/responses` endpoint on the provider's origin. */
  constructor(
    name: string,
    wireModel: string,
    private readonly transport: JsonTransport,
  ) {
    this.provider = transport.source.provider;
    this.name = name;
    this.wireModel = wireModel;
    this.source = transport.source;
  }

  async doGenerate(request: ChatRequest, options: LanguageModelCallOptions): Promise<ChatResult> {
    const { body, warnings } = convertToResponsesRequest(request, this.wireModel, false);
    const result = this.read(await fetchOpenAIAnswer(this.transport, JSON.stringify(body), options.cancellation), request);
    if (warnings) result.warnings = warnings;
    return result;
  }

  async doStream(request: ChatRequest, options: LanguageModelCallOptions): Promise<LanguageModelStream> {
    const { body, warnings } = convertToResponsesRequest(request, this.wireModel, true);
    const stream = await openOpenAIStream(this.transport, JSON.stringify(body), options.cancellation);
    const parts = stream.contentType.includes('text/event-stream')
      ? this.readStream(stream, request.dialect === 'responses', options.cancellation)
      : // A server that ignores `stream: true` answers in one piece; replay it as parts.
        replay(chatResultToParts(this.read(await readUpstreamJson(this.transport, stream), request)));
    return { parts, ...(warnings ? { warnings } : {}) };
  }

  private read(json: unknown, request: ChatRequest): ChatResult {
    return readResponse(json, this.source, this.transport.redact, request.dialect === 'responses');
  }

  private async *readStream(body: UpstreamStream, keepItems: boolean, cancellation: Cancellation): AsyncGenerator<StreamPart> {
    const decoder = new SseDecoder();
    const reader = new ResponsesEventReader(this.source, this.transport.redact, keepItems);
    const parts: StreamPart[] = [];
    const handle = (data: string): void => {
      // Nothing follows the last event; a `[DONE]` (some compatible servers send one) says nothing more.
      if (reader.finished || data === '[DONE]') return;
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        throw new ProviderProtocolError(this.source, `upstream sent a stream event that is not JSON: ${this.transport.redact(data, UPSTREAM_SNIPPET_CHARS)}`);
      }
      reader.read(json, parts);
    };
    /** The events' parts; what came before a failure in the same chunk goes out before its error, as it was sent. */
    const handleAll = (events: Array<{ data: string }>): unknown => {
      try {
        for (const event of events) handle(event.data);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    try {
      // After the last event the body is read to its end anyway, so the connection goes back to the pool.
      for await (const chunk of body) {
        const failure = handleAll(decoder.write(chunk));
        yield* parts;
        parts.length = 0;
        if (failure !== undefined) throw failure;
      }
      const failure = handleAll(decoder.end());
      yield* parts;
      if (failure !== undefined) throw failure;
      if (!reader.finished) throw new ProviderProtocolError(this.source, 'upstream stream ended before the response was complete');
    } catch (error) {
      yield { type: 'error', error: mapTransportError(error, this.source, cancellation) };
    }
  }
}

async function* replay(parts: StreamPart[]): AsyncGenerator<StreamPart> {
  yield* parts;
}
