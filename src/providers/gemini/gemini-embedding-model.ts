import { ProviderProtocolError } from '../../errors/provider-errors.js';
import type { EmbedOptions, EmbeddingModel, Embeddings } from '../../spec/embedding-model.js';
import { isRecord } from '../../util/json-guards.js';
import type { JsonTransport } from '../shared/json-transport.js';
import { fetchGeminiAnswer, geminiHeaders } from './gemini-transport.js';

/** A model behind Gemini's `:batchEmbedContents`: one request per text, one call for them all. */
export class GeminiEmbeddingModel implements EmbeddingModel {
  private readonly modelPath: string;
  /** The call's headers, built once rather than per call. */
  private readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly name: string,
    wireModel: string,
    private readonly transport: JsonTransport,
  ) {
    this.modelPath = wireModel.startsWith('models/') ? wireModel : `models/${wireModel}`;
    this.headers = geminiHeaders(transport, false);
  }

  async doEmbed(texts: readonly string[], options: EmbedOptions): Promise<Embeddings> {
    // Gemini has no end-user field: `options.user` has nowhere to go.
    const requests = texts.map((text) => ({
      model: this.modelPath,
      content: { parts: [{ text }] },
      ...(options.dimensions === undefined ? {} : { outputDimensionality: options.dimensions }),
    }));
    const answer = await fetchGeminiAnswer(this.transport, JSON.stringify({ requests }), options.cancellation, this.headers);
    // The Gemini API reports no token counts for embeddings: usage is unknown, not 0.
    return { vectors: this.read(answer, texts.length), usage: undefined };
  }

  private read(json: unknown, expected: number): number[][] {
    const fail = (why: string): never => {
      throw new ProviderProtocolError(this.transport.source, `upstream embeddings answer ${why}`);
    };
    const embeddings = isRecord(json) ? json['embeddings'] : undefined;
    if (!Array.isArray(embeddings)) return fail('has no `embeddings` array');
    if (embeddings.length !== expected) return fail(`has ${embeddings.length} embeddings for ${expected} inputs`);
    const vectors = embeddings.map((item, position): number[] => {
      const values = isRecord(item) ? item['values'] : undefined;
      if (!Array.isArray(values) || values.length === 0 || !values.every((value) => typeof value === 'number' && Number.isFinite(value))) {
        return fail(`item ${position} has no numeric \`values\``);
      }
      return values as number[];
    });
    if (vectors.some((vector) => vector.length !== vectors[0]?.length)) fail('has mixed-length embeddings');
    return vectors;
  }
}
