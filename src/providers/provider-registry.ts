import type { ProviderConfig } from './provider-config.js';
import type { Provider } from '../spec/provider.js';
import { createMockProvider } from './mock/mock-provider.js';
import { createOpenAIProvider } from './openai/openai-provider.js';

type Factories = { [Type in ProviderConfig['type']]: (config: Extract<ProviderConfig, { type: Type }>) => Provider };

/** Provider `type` → factory. The only place that knows which adapters exist. */
const FACTORIES: Factories = {
  openai: createOpenAIProvider,
  mock: createMockProvider,
};

export function createProvider(config: ProviderConfig): Provider {
  // The mapped type pairs each `type` with its factory; TypeScript cannot follow that through a lookup.
  const factory = FACTORIES[config.type] as (config: ProviderConfig) => Provider;
  return factory(config);
}
