/** USD per 1M tokens. */
export type ModelPrice = {
  input: number;
  /** Price of cache reads; the input price when the provider bills no discount. */
  cachedInput: number | undefined;
  /** Price of cache writes; the input price when the provider bills none apart. */
  cacheWrite: number | undefined;
  output: number;
};

export type ModelCapabilities = {
  tools: boolean;
  jsonSchema: boolean;
  vision: boolean;
  streaming: boolean;
  reasoning: boolean;
};

/** One model at one provider: where it is, what it costs, what it can do. */
export type ModelSpec = {
  name: string;
  provider: string;
  wireModel: string;
  price: ModelPrice;
  contextWindow: number | undefined;
  maxOutput: number | undefined;
  capabilities: ModelCapabilities;
  /** `builtin`: taken from the built-in catalog as is; `config`: defined or overridden in the config. */
  origin: 'builtin' | 'config';
};

/** Capabilities assumed for a model the config defines from scratch and does not describe. */
export const DEFAULT_CAPABILITIES: ModelCapabilities = {
  tools: true,
  jsonSchema: false,
  vision: false,
  streaming: true,
  reasoning: false,
};
