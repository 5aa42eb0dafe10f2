import type { LanguageModelCallOptions } from './language-model.js';
import type { Usage } from './usage.js';

/** What an embeddings call may ask for besides its inputs. */
export type EmbedOptions = LanguageModelCallOptions & {
  /** Vectors of this length, from a model that can shorten its own (OpenAI's `dimensions`, Gemini's `outputDimensionality`); absent: its own length. */
  dimensions?: number;
  /** The end user's id, for upstreams that take one (OpenAI's `user`). */
  user?: string;
};

/** One vector as the upstream sent it: the numbers of its JSON, or floats it sent packed. */
export type EmbeddingVector = readonly number[] | Float32Array;

export type Embeddings = { vectors: EmbeddingVector[]; usage: Usage | undefined };

/**
 * A model that turns texts into vectors: for `/v1/embeddings`, and for routes defined by example
 * prompts (the gateway normalises the vectors for those).
 */
export interface EmbeddingModel {
  readonly name: string;
  /** One vector per text, in order, as the upstream returned it (not normalised). Throws a provider error when the upstream fails. */
  doEmbed(texts: readonly string[], options: EmbedOptions): Promise<Embeddings>;
  /** The same for inputs already tokenized (arrays of token ids); absent when the wire format cannot carry them. */
  doEmbedTokens?(inputs: readonly (readonly number[])[], options: EmbedOptions): Promise<Embeddings>;
}
