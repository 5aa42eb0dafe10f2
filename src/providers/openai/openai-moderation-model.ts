import type { LanguageModelCallOptions } from '../../spec/language-model.js';
import type { Moderation, ModerationModel } from '../../spec/moderation-model.js';
import { fetchOpenAIAnswer } from './openai-transport.js';
import { readModeration } from './read-openai-moderation.js';
import type { JsonTransport } from '../shared/json-transport.js';

/** A model behind an OpenAI-compatible `/moderations` endpoint (omni-moderation-latest, text-moderation-latest). */
export class OpenAIModerationModel implements ModerationModel {
  constructor(
    readonly name: string,
    private readonly wireModel: string,
    private readonly transport: JsonTransport,
  ) {}

  async doModerate(texts: readonly string[], options: LanguageModelCallOptions): Promise<Moderation> {
    const body = JSON.stringify({ model: this.wireModel, input: texts });
    const json = await fetchOpenAIAnswer(this.transport, body, options.cancellation);
    return readModeration(json, texts.length, this.transport.source);
  }
}
