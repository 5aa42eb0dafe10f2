import type { LanguageModelCallOptions } from './language-model.js';
import type { Usage } from './usage.js';

/**
 * What a moderation endpoint said about some texts, merged over them: a category is flagged when
 * any text was flagged for it, and its score is the highest any text got. Categories are named as
 * the endpoint names them (`violence`, `self-harm/intent`).
 */
export type Moderation = {
  flagged: boolean;
  categories: Readonly<Record<string, boolean>>;
  scores: Readonly<Record<string, number>>;
  /** Undefined when the upstream reported none (OpenAI's moderations answer has no usage). */
  usage: Usage | undefined;
};

/** A model behind a moderation endpoint (OpenAI's `/moderations`): texts in, flagged categories and their scores out. */
export interface ModerationModel {
  readonly name: string;
  /** Throws a provider error when the upstream fails or its answer is not a moderation. */
  doModerate(texts: readonly string[], options: LanguageModelCallOptions): Promise<Moderation>;
}
