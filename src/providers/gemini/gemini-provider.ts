import type { ModelSpec } from '../../spec/model-spec.js';
import type { Provider } from '../../spec/provider.js';
import type { JsonTransport } from '../shared/json-transport.js';
import { credentialRedactor } from '../shared/secret-redactor.js';
import { USER_AGENT, upstreamPools } from '../shared/upstream-pools.js';
import { GeminiChatModel } from './gemini-chat-model.js';
import { GeminiEmbeddingModel } from './gemini-embedding-model.js';
import type { GeminiProviderConfig } from './gemini-provider-config.js';

/** Google's Gemini API over keep-alive connection pools, one per connect timeout (usually one in all). */
export function createGeminiProvider(config: GeminiProviderConfig): Provider {
  const url = new URL(config.baseUrl);
  const pools = upstreamPools(url.origin, config);
  const prefix = url.pathname.replace(/\/+$/, '');
  // A model's method path, with the base URL's own query and the method's (`alt=sse`) after it.
  const pathOf = (wireModel: string, method: string, query = ''): string => {
    const search = [url.search.replace(/^\?/, ''), query].filter((part) => part !== '').join('&');
    return `${prefix}/models/${encodeURIComponent(wireModel.replace(/^models\//, ''))}:${method}${search === '' ? '' : `?${search}`}`;
  };
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    ...Object.fromEntries(Object.entries(config.headers).map(([name, value]) => [name.toLowerCase(), value])),
  };
  if (config.apiKey !== undefined) headers['x-goog-api-key'] = config.apiKey;
  const redact = credentialRedactor(config.apiKey, config.headers);
  const transport = (spec: ModelSpec, path: string): JsonTransport => ({
    pool: pools.poolFor(spec.reliability.timeout.connectMs),
    path,
    headers,
    redact,
    source: { provider: config.name, model: spec.name },
  });

  return {
    name: config.name,
    languageModel(spec: ModelSpec) {
      return new GeminiChatModel({
        name: spec.name,
        wireModel: spec.wireModel,
        generate: transport(spec, pathOf(spec.wireModel, 'generateContent')),
        stream: transport(spec, pathOf(spec.wireModel, 'streamGenerateContent', 'alt=sse')),
      });
    },
    embeddingModel(spec: ModelSpec) {
      return new GeminiEmbeddingModel(spec.name, spec.wireModel, transport(spec, pathOf(spec.wireModel, 'batchEmbedContents')));
    },
    close: pools.close,
  };
}
