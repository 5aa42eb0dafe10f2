import type { MockProviderConfig } from './mock/mock-provider-config.js';
import type { OpenAIProviderConfig } from './openai/openai-provider-config.js';

/** The settings of a provider, by `type`: one member per adapter of `provider-registry.ts`. */
export type ProviderConfig = OpenAIProviderConfig | MockProviderConfig;
