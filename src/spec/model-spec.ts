import type { ReliabilitySettings } from './reliability.js';

/** USD per 1M tokens. */
export type ModelPrice = {
  input: number;
  /** Price of cache reads; the input price when the provider bills no discount. */
  cachedInput: number | undefined;
  /** Price of cache writes; the input price when the provider bills none apart. */
  cacheWrite: number | undefined;
  /** Price of cache writes that hold for an hour, where billed apart (Anthropic: 2× input); else `cacheWrite`'s. */
  cacheWrite1h?: number;
  output: number;
};

/** What a model can do; `undefined` when nobody said (a model defined from scratch), so routing does not rule it out. */
export type ModelCapabilities = {
  tools: boolean | undefined;
  jsonSchema: boolean | undefined;
  vision: boolean | undefined;
  streaming: boolean | undefined;
  reasoning: boolean | undefined;
  /** Runs OpenAI's built-in Responses tools (web search, file search, code interpreter, computer use): only OpenAI's Responses API does. */
  builtinTools: boolean | undefined;
};

/**
 * The wire API a model is called through, at a provider that speaks more than one: OpenAI's Chat
 * Completions (`chat`) or its Responses API (`responses`, which some models are served by only).
 */
export type ModelApi = 'chat' | 'responses';

/** One model at one provider: where it is, what it costs, what it can do. */
export type ModelSpec = {
  name: string;
  provider: string;
  wireModel: string;
  price: ModelPrice;
  contextWindow: number | undefined;
  maxOutput: number | undefined;
  capabilities: ModelCapabilities;
  reliability: ReliabilitySettings;
  /** `responses`: called through the Responses API (the model's or its provider's `api`); absent: the provider's own wire API. */
  api?: 'responses';
  /** `builtin`: taken from the built-in catalog as is; `config`: defined or overridden in the config. */
  origin: 'builtin' | 'config';
  /** Set for embedding models (`embedding: { dimensions }`): they serve `/v1/embeddings`, and chat routing never picks them. */
  embedding?: EmbeddingTraits;
  /** Set for moderation models (the catalog's `moderation: true`): a router's moderation guard calls them, and chat routing never picks them. */
  moderation?: true;
  /** The provider's quota for this deployment (`limits:`): routing avoids it while the last minute's calls fill it. Absent: no limit. */
  limits?: DeploymentLimits;
};

/** Requests and tokens (input plus output) per minute that a deployment's provider allows; an absent one is not limited. */
export type DeploymentLimits = { rpm?: number; tpm?: number };

/** What an embedding model returns: vectors of `dimensions` numbers (fewer when the request asks and the model can shorten them). */
export type EmbeddingTraits = { dimensions: number };

