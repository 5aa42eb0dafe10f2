import { Pool } from 'undici';
import type { ProviderConfig } from '../../config/resolved-config.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { Provider } from '../../spec/provider.js';
import { redactSecrets } from '../shared/redact-secrets.js';
import { OpenAIChatModel } from './openai-chat-model.js';

const USER_AGENT = 'switchyard/0.1';

/**
 * Any OpenAI-compatible upstream (OpenAI, Anthropic's and Gemini's compatibility endpoints,
 * DeepSeek, Groq, Together, OpenRouter, Ollama, vLLM, ...): one keep-alive pool per provider.
 */
export function createOpenAIProvider(config: ProviderConfig): Provider {
  const url = new URL(config.baseUrl);
  const pool = new Pool(url.origin, {
    connections: config.maxConnections,
    keepAliveTimeout: 30_000,
    // Non-streamed answers of reasoning models can take minutes before the first header byte.
    headersTimeout: 600_000,
    bodyTimeout: 300_000,
    connect: { timeout: 10_000 },
  });
  const path = `${url.pathname.replace(/\/+$/, '')}/chat/completions${url.search}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...config.headers };
  if (config.apiKey !== undefined) headers['authorization'] = `Bearer ${config.apiKey}`;
  const secrets = config.apiKey === undefined ? [] : [config.apiKey];
  const redact = (text: string): string => redactSecrets(text, secrets);

  return {
    name: config.name,
    languageModel(spec: ModelSpec) {
      return new OpenAIChatModel({ provider: config.name, name: spec.name, wireModel: spec.wireModel, pool, path, headers, redact });
    },
    async close() {
      await pool.close();
    },
  };
}
