import { defineProvider } from '../provider-definition.js';
import { OPENAI_URL_EXPECTED, OpenAIConfigShape } from './openai-config-schema.js';
import { createOpenAIProvider } from './openai-provider.js';

/** `type: openai`: OpenAI itself or any vendor that speaks its wire format. */
export const openaiProvider = defineProvider({
  type: 'openai',
  shape: OpenAIConfigShape,
  resolve(entry, context) {
    if (entry.base_url === '' && !context.disabled) context.report('base_url', `${OPENAI_URL_EXPECTED}, found ""`);
    return {
      type: 'openai',
      upstreamUrl: entry.base_url === '' ? undefined : entry.base_url,
      baseUrl: entry.base_url,
      apiKey: entry.api_key === undefined || entry.api_key === '' ? undefined : entry.api_key,
      headers: entry.headers ?? {},
      api: entry.api,
      maxConnections: entry.max_connections,
      maxResponseBytes: entry.max_response_size,
    };
  },
  create: createOpenAIProvider,
});
