import { ProviderProtocolError } from '../../errors/provider-errors.js';
import type { EmbedOptions, EmbeddingModel, Embeddings } from '../../spec/embedding-model.js';
import type { Usage } from '../../spec/usage.js';
import { isRecord, readNumber } from '../../util/json-guards.js';
import { fetchOpenAIAnswer } from './openai-transport.js';
import type { JsonTransport } from '../shared/json-transport.js';

/** A model behind any OpenAI-compatible `/embeddings` endpoint: texts, or token ids as OpenAI takes them. */
export class OpenAIEmbeddingModel implements EmbeddingModel {
  constructor(
    readonly name: string,
    private readonly wireModel: string,
    private readonly transport: JsonTransport,
  ) {}

  doEmbed(texts: readonly string[], options: EmbedOptions): Promise<Embeddings> {
    return this.post(texts, options);
  }

  doEmbedTokens(inputs: readonly (readonly number[])[], options: EmbedOptions): Promise<Embeddings> {
    return this.post(inputs, options);
  }

  private async post(input: readonly (string | readonly number[])[], options: EmbedOptions): Promise<Embeddings> {
    // Floats, not base64: the numbers are read as sent, and the edge packs them again if its client asked.
    const body = JSON.stringify({
      model: this.wireModel,
      input,
      encoding_format: 'float',
      ...(options.dimensions === undefined ? {} : { dimensions: options.dimensions }),
      ...(options.user === undefined ? {} : { user: options.user }),
    });
    const json = await fetchOpenAIAnswer(this.transport, body, options.cancellation);
    return readEmbeddings(json, input.length, this.transport);
  }
}

function readEmbeddings(json: unknown, expected: number, transport: JsonTransport): Embeddings {
  const fail = (why: string): never => {
    throw new ProviderProtocolError(transport.source, `upstream embeddings answer ${why}`);
  };
  const data = isRecord(json) ? json['data'] : undefined;
  if (!Array.isArray(data)) return fail('has no `data` array');
  if (data.length !== expected) return fail(`has ${data.length} embeddings for ${expected} inputs`);
  const vectors = new Array<number[]>(expected);
  data.forEach((item, position) => {
    const vector = isRecord(item) ? item['embedding'] : undefined;
    const index = (isRecord(item) ? readNumber(item['index']) : undefined) ?? position;
    if (!Array.isArray(vector) || vector.length === 0 || !vector.every((value) => typeof value === 'number' && Number.isFinite(value))) {
      fail(`item ${position} has no numeric \`embedding\``);
    }
    if (!Number.isInteger(index) || index < 0 || index >= expected) fail(`item ${position} has index ${index}`);
    vectors[index] = vector as number[];
  });
  const dimensions = vectors[0]?.length;
  if (vectors.some((vector) => vector === undefined || vector.length !== dimensions)) fail('has missing or mixed-length embeddings');
  const raw = isRecord(json) ? json['usage'] : undefined;
  const inputTokens = isRecord(raw) ? readNumber(raw['prompt_tokens']) : undefined;
  const usage: Usage | undefined =
    inputTokens === undefined
      ? undefined
      : { inputTokens, cachedInputTokens: undefined, cacheWriteTokens: undefined, outputTokens: 0, reasoningTokens: undefined, estimated: false, raw };
  return { vectors, usage };
}
