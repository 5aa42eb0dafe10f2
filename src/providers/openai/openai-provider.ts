import { Pool } from 'undici';
import type { OpenAIProviderConfig } from './openai-provider-config.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { Provider } from '../../spec/provider.js';
import { SecretRedactor, type Redact } from '../shared/secret-redactor.js';
import { OpenAIChatModel } from './openai-chat-model.js';
import { OpenAIEmbeddingModel } from './openai-embedding-model.js';

const USER_AGENT = 'switchyard/0.1';

/**
 * Any OpenAI-compatible upstream (OpenAI, Anthropic's and Gemini's compatibility endpoints,
 * DeepSeek, Groq, Together, OpenRouter, Ollama, vLLM, ...), over keep-alive connection pools.
 */
export function createOpenAIProvider(config: OpenAIProviderConfig): Provider {
  const url = new URL(config.baseUrl);
  // The connect timeout is a property of the pool, so models with their own get a pool of their own (usually one in all).
  const pools = new Map<number, Pool>();
  const poolFor = (connectTimeoutMs: number): Pool => {
    let pool = pools.get(connectTimeoutMs);
    if (!pool) {
      pool = new Pool(url.origin, {
        connections: config.maxConnections,
        maxResponseSize: config.maxResponseBytes,
        keepAliveTimeout: 30_000,
        // Off (0): the executor's per-model first-token and total timeouts govern instead.
        headersTimeout: 0,
        bodyTimeout: 0,
        connect: { timeout: connectTimeoutMs },
      });
      pools.set(connectTimeoutMs, pool);
    }
    return pool;
  };
  const endpoint = (name: string): string => `${url.pathname.replace(/\/+$/, '')}/${name}${url.search}`;
  const path = endpoint('chat/completions');
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...config.headers };
  if (config.apiKey !== undefined) headers['authorization'] = `Bearer ${config.apiKey}`;
  // A configured header can carry a credential too (Azure's `api-key`, a proxy's `Bearer <token>`): its value and its last word.
  const headerSecrets = Object.values(config.headers).flatMap((value) => [value, value.slice(value.lastIndexOf(' ') + 1)]);
  const redactor = new SecretRedactor([...(config.apiKey === undefined ? [] : [config.apiKey]), ...headerSecrets]);
  const redact: Redact = (text, maxChars) => redactor.quote(text, maxChars);

  return {
    name: config.name,
    languageModel(spec: ModelSpec) {
      const pool = poolFor(spec.reliability.timeout.connectMs);
      return new OpenAIChatModel({ provider: config.name, name: spec.name, wireModel: spec.wireModel, pool, path, headers, redact });
    },
    embeddingModel(spec: ModelSpec) {
      const transport = {
        pool: poolFor(spec.reliability.timeout.connectMs),
        path: endpoint('embeddings'),
        headers,
        redact,
        source: { provider: config.name, model: spec.name },
      };
      return new OpenAIEmbeddingModel(spec.name, spec.wireModel, transport);
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
    },
  };
}
