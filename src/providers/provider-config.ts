import type { PROVIDERS } from './provider-registry.js';

/** The settings of a provider, by `type`: one member per definition of `provider-registry.ts`. */
export type ProviderConfig = Parameters<(typeof PROVIDERS)[number]['create']>[0];
