import type { ModelSpec } from '../../spec/model-spec.js';
import type { Provider } from '../../spec/provider.js';
import { credentialRedactor } from '../shared/secret-redactor.js';
import { USER_AGENT, upstreamPools } from '../shared/upstream-pools.js';
import { AnthropicChatModel } from './anthropic-chat-model.js';
import type { AnthropicProviderConfig } from './anthropic-provider-config.js';

/** Anthropic's Messages API over keep-alive connection pools, one per connect timeout (usually one in all). */
export function createAnthropicProvider(config: AnthropicProviderConfig): Provider {
  const url = new URL(config.baseUrl);
  const pools = upstreamPools(url.origin, config);
  const path = `${url.pathname.replace(/\/+$/, '')}/v1/messages${url.search}`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'anthropic-version': config.version,
    // Lower-cased, so a configured `Anthropic-Beta` meets a request's `anthropic-beta` in one header.
    ...Object.fromEntries(Object.entries(config.headers).map(([name, value]) => [name.toLowerCase(), value])),
  };
  if (config.apiKey !== undefined) headers['x-api-key'] = config.apiKey;
  const redact = credentialRedactor(config.apiKey, config.headers);

  return {
    name: config.name,
    languageModel(spec: ModelSpec) {
      const transport = { pool: pools.poolFor(spec.reliability.timeout.connectMs), path, headers, redact, source: { provider: config.name, model: spec.name } };
      return new AnthropicChatModel({ name: spec.name, wireModel: spec.wireModel, maxOutput: spec.maxOutput, promptCaching: config.promptCaching, transport });
    },
    close: pools.close,
  };
}
