import { describe, expect, it } from 'vitest';
import type { EmbeddingModel } from '../spec/embedding-model.js';
import type { EmbeddingRequest } from '../spec/embedding-request.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { fitEmbeddingPlan } from './fit-embedding-plan.js';

const spec = (name: string, dimensions: number, provider = 'p'): ModelSpec => ({ name, provider, embedding: { dimensions } }) as ModelSpec;

const never = (): never => {
  throw new Error('not called');
};
/** An embedding model of a wire format that takes texts only (no `doEmbedTokens`), or token ids too. */
const textOnly = (name: string): EmbeddingModel => ({ name, doEmbed: never });
const withTokens = (name: string): EmbeddingModel => ({ name, doEmbed: never, doEmbedTokens: never });

const texts = (dimensions?: number): EmbeddingRequest => ({ model: 'r', input: { type: 'text', texts: ['a'] }, dimensions, user: undefined });
const tokens: EmbeddingRequest = { model: 'r', input: { type: 'tokens', tokens: [[1, 2]] }, dimensions: undefined, user: undefined };

describe('fitEmbeddingPlan', () => {
  it('keeps models whose vectors have the first one’s length, and says why it drops the others', () => {
    const plan = [spec('a', 64), spec('b', 128), spec('c', 64)];
    const models = new Map(plan.map((item) => [item.name, textOnly(item.name)]));
    const fitted = fitEmbeddingPlan(plan, texts(), models);
    expect(fitted.specs.map((item) => item.name)).toEqual(['a', 'c']);
    expect(fitted.dimensions).toBe(64);
    expect(fitted.filtered).toEqual([
      { model: 'b', reason: 'capability', detail: '"b" makes vectors of 128 dimensions and "a", tried before it, of 64: every model that may answer must make vectors of one length' },
    ]);
  });

  it('with `dimensions`, keeps every model that makes at least that many', () => {
    const plan = [spec('small', 64), spec('large', 3072), spec('medium', 1536)];
    const models = new Map(plan.map((item) => [item.name, textOnly(item.name)]));
    const fitted = fitEmbeddingPlan(plan, texts(256), models);
    expect(fitted.specs.map((item) => item.name)).toEqual(['large', 'medium']);
    expect(fitted.dimensions).toBe(256);
    expect(fitted.filtered).toEqual([{ model: 'small', reason: 'capability', detail: '"small" makes vectors of 64 dimensions, fewer than the 256 asked for' }]);
  });

  it('sends token ids only to wire formats that carry them', () => {
    const plan = [spec('plain', 64, 'gemini-like'), spec('openai-like', 64)];
    const models = new Map([
      ['plain', textOnly('plain')],
      ['openai-like', withTokens('openai-like')],
    ]);
    const fitted = fitEmbeddingPlan(plan, tokens, models);
    expect(fitted.specs.map((item) => item.name)).toEqual(['openai-like']);
    expect(fitted.filtered).toEqual([
      { model: 'plain', reason: 'capability', detail: 'the input is token ids, which the wire format of "plain" (provider "gemini-like") cannot carry; send text' },
    ]);
    // The first model dropped for the input does not set the length.
    expect(fitEmbeddingPlan([spec('plain', 32), spec('openai-like', 64)], tokens, models).dimensions).toBe(64);
  });

  it('drops a model the gateway has no embeddings endpoint for', () => {
    const fitted = fitEmbeddingPlan([spec('lonely', 64, 'chat-only')], texts(), new Map());
    expect(fitted).toEqual({
      specs: [],
      filtered: [{ model: 'lonely', reason: 'capability', detail: 'the provider "chat-only" of "lonely" has no embeddings endpoint' }],
      dimensions: undefined,
    });
  });
});
