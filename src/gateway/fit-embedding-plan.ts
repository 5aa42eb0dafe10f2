import type { FilteredCandidate } from '../spec/decision.js';
import type { EmbeddingModel } from '../spec/embedding-model.js';
import type { EmbeddingRequest } from '../spec/embedding-request.js';
import type { ModelSpec } from '../spec/model-spec.js';

export type FittedEmbeddingPlan = {
  specs: ModelSpec[];
  filtered: FilteredCandidate[];
  /** The length every vector of the answer must have, whichever model gives it; undefined when no model is left. */
  dimensions: number | undefined;
};

/**
 * Keeps the embedding models of a routed plan that can take this request: one the gateway can call
 * (its provider has an embeddings endpoint), that carries token-id input when that is what came,
 * and whose vectors have the length of the answer. That length is the one asked for (a model with
 * fewer dimensions cannot give it) or else the first model's: a fallback or another deployment must
 * answer with vectors of the same length, or the client would get vectors it cannot compare.
 */
export function fitEmbeddingPlan(plan: readonly ModelSpec[], request: EmbeddingRequest, models: ReadonlyMap<string, EmbeddingModel>): FittedEmbeddingPlan {
  const specs: ModelSpec[] = [];
  const filtered: FilteredCandidate[] = [];
  let dimensions = request.dimensions;
  let setBy: string | undefined;
  const filter = (spec: ModelSpec, detail: string): void => {
    filtered.push({ model: spec.name, reason: 'capability', detail });
  };
  for (const spec of plan) {
    const model = models.get(spec.name);
    // Routing keeps embedding models only.
    const own = spec.embedding?.dimensions as number;
    if (!model) {
      filter(spec, `the provider "${spec.provider}" of "${spec.name}" has no embeddings endpoint`);
    } else if (request.input.type === 'tokens' && !model.doEmbedTokens) {
      filter(spec, `the input is token ids, which the wire format of "${spec.name}" (provider "${spec.provider}") cannot carry; send text`);
    } else if (request.dimensions !== undefined && own < request.dimensions) {
      filter(spec, `"${spec.name}" makes vectors of ${own} dimensions, fewer than the ${request.dimensions} asked for`);
    } else if (request.dimensions === undefined && dimensions !== undefined && own !== dimensions) {
      filter(spec, `"${spec.name}" makes vectors of ${own} dimensions and "${setBy}", tried before it, of ${dimensions}: every model that may answer must make vectors of one length`);
    } else {
      if (dimensions === undefined) {
        dimensions = own;
        setBy = spec.name;
      }
      specs.push(spec);
    }
  }
  return { specs, filtered, dimensions: specs.length > 0 ? dimensions : undefined };
}
