import { ProviderProtocolError } from '../../errors/provider-errors.js';
import type { EmbeddingModel } from '../../spec/embedding-model.js';
import type { LanguageModelCallOptions } from '../../spec/language-model.js';
import type { Usage } from '../../spec/usage.js';
import { isRecord, readNumber } from '../../util/json-guards.js';
import { postOpenAI } from './openai-transport.js';
import { readJsonAnswer, type JsonTransport } from '../shared/json-transport.js';

/** A model behind any OpenAI-compatible `/embeddings` endpoint. */
export class OpenAIEmbeddingModel implements EmbeddingModel {
  constructor(
    readonly name: string,
    private readonly wireModel: string,
    private readonly transport: JsonTransport,
  ) {}

  async doEmbed(texts: readonly string[], options: LanguageModelCallOptions): Promise<{ vectors: Float32Array[]; usage: Usage | undefined }> {
    const body = JSON.stringify({ model: this.wireModel, input: texts, encoding_format: 'float' });
    const json = await readJsonAnswer(this.transport, await postOpenAI(this.transport, body, false, options.cancellation), options.cancellation);
    return readEmbeddings(json, texts.length, this.transport);
  }
}

function readEmbeddings(json: unknown, expected: number, transport: JsonTransport): { vectors: Float32Array[]; usage: Usage | undefined } {
  const fail = (why: string): never => {
    throw new ProviderProtocolError(transport.source, `upstream embeddings answer ${why}`);
  };
  const data = isRecord(json) ? json['data'] : undefined;
  if (!Array.isArray(data)) return fail('has no `data` array');
  if (data.length !== expected) return fail(`has ${data.length} embeddings for ${expected} inputs`);
  const vectors = new Array<Float32Array>(expected);
  data.forEach((item, position) => {
    const vector = isRecord(item) ? item['embedding'] : undefined;
    const index = (isRecord(item) ? readNumber(item['index']) : undefined) ?? position;
    if (!Array.isArray(vector) || vector.length === 0 || !vector.every((value) => typeof value === 'number' && Number.isFinite(value))) {
      fail(`item ${position} has no numeric \`embedding\``);
    }
    if (index < 0 || index >= expected) fail(`item ${position} has index ${index}`);
    vectors[index] = normalise(Float32Array.from(vector as number[]));
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

/** Cosine similarity is then a dot product. */
function normalise(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  for (let index = 0; index < vector.length; index++) vector[index] = (vector[index] as number) * scale;
  return vector;
}
