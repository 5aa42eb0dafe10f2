import type { OpenAIProviderConfig } from './openai-provider-config.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { Provider } from '../../spec/provider.js';
import { credentialRedactor } from '../shared/secret-redactor.js';
import { USER_AGENT, upstreamPools } from '../shared/upstream-pools.js';
import { OpenAIChatModel } from './openai-chat-model.js';
import { OpenAIEmbeddingModel } from './openai-embedding-model.js';
import { OpenAIModerationModel } from './openai-moderation-model.js';
import { OpenAIResponsesModel } from './responses/openai-responses-model.js';

/**
 * Any OpenAI-compatible upstream (OpenAI, Anthropic's and Gemini's compatibility endpoints,
 * DeepSeek, Groq, Together, OpenRouter, Ollama, vLLM, ...), over keep-alive connection pools.
 */
export function createOpenAIProvider(config: OpenAIProviderConfig): Provider {
  const url = new URL(config.baseUrl);
  const pools = upstreamPools(url.origin, config);
  const endpoint = (name: string): string => `${url.pathname.replace(/\/+$/, '')}/${name}${url.search}`;
  const path = endpoint('chat/completions');
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...config.headers };
  if (config.apiKey !== undefined) headers['authorization'] = `Bearer ${config.apiKey}`;
  const redact = credentialRedactor(config.apiKey, config.headers);
  // The JSON endpoints beside chat (embeddings, moderations): one transport shape for each.
  const transportTo = (name: string, spec: ModelSpec) => ({
    pool: pools.poolFor(spec.reliability.timeout.connectMs),
    path: endpoint(name),
    headers,
    redact,
    source: { provider: config.name, model: spec.name },
  });

  return {
    name: config.name,
    languageModel(spec: ModelSpec) {
      const pool = pools.poolFor(spec.reliability.timeout.connectMs);
      if (spec.api === 'responses') {
        return new OpenAIResponsesModel(spec.name, spec.wireModel, { pool, path: endpoint('responses'), headers, redact, source: { provider: config.name, model: spec.name } });
      }
      return new OpenAIChatModel({ provider: config.name, name: spec.name, wireModel: spec.wireModel, pool, path, headers, redact });
    },
    embeddingModel(spec: ModelSpec) {
      return new OpenAIEmbeddingModel(spec.name, spec.wireModel, transportTo('embeddings', spec));
    },
    moderationModel(spec: ModelSpec) {
      return new OpenAIModerationModel(spec.name, spec.wireModel, transportTo('moderations', spec));
    },
    close: pools.close,
  };
}
