import type { EmbeddingVector } from '../spec/embedding-model.js';
import type { Usage } from '../spec/usage.js';

/** OpenAI's embeddings answer: one vector per input, in order, as numbers or as base64 of little-endian float32s (what the `openai` client asks for by default). */
export function encodeEmbeddings(vectors: readonly EmbeddingVector[], model: string, usage: Usage, format: 'float' | 'base64'): Record<string, unknown> {
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({ object: 'embedding', index, embedding: format === 'base64' ? packFloats(vector) : numbers(vector) })),
    model,
    usage: { prompt_tokens: usage.inputTokens, total_tokens: usage.inputTokens },
  };
}

function packFloats(vector: EmbeddingVector): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let index = 0; index < vector.length; index++) bytes.writeFloatLE(vector[index] as number, index * 4);
  return bytes.toString('base64');
}

/** Numbers as JSON writes them; a float32 with the 9 digits that give it back, not the 17 of the double it widens to. */
function numbers(vector: EmbeddingVector): readonly number[] {
  return Array.isArray(vector) ? vector : Array.from(vector, (value) => Number(value.toPrecision(9)));
}
