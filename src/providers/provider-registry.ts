import type { ProviderConfig } from '../config/resolved-config.js';
import type { Provider } from '../spec/provider.js';
import { createOpenAIProvider } from './openai/openai-provider.js';

type ProviderFactory = (config: ProviderConfig) => Provider;

/** Provider `type` → factory. The only place that knows which adapters exist. */
const FACTORIES: Record<ProviderConfig['type'], ProviderFactory> = {
  openai: createOpenAIProvider,
};

export function createProvider(config: ProviderConfig): Provider {
  return FACTORIES[config.type](config);
}
