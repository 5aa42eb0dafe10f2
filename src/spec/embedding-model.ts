import type { LanguageModelCallOptions } from './language-model.js';
import type { Usage } from './usage.js';

/** A model that turns texts into vectors (for routes defined by example prompts). */
export interface EmbeddingModel {
  readonly name: string;
  /** One vector per text, in order. Throws a provider error when the upstream fails. */
  doEmbed(texts: readonly string[], options: LanguageModelCallOptions): Promise<{ vectors: Float32Array[]; usage: Usage | undefined }>;
}
