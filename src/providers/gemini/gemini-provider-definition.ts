import { defineProvider } from '../provider-definition.js';
import { GEMINI_URL_EXPECTED, GeminiConfigShape } from './gemini-config-schema.js';
import { createGeminiProvider } from './gemini-provider.js';

/** `type: gemini`: Google's native Gemini API (thought signatures, structured output, cached and thought tokens, embeddings). */
export const geminiProvider = defineProvider({
  type: 'gemini',
  shape: GeminiConfigShape,
  resolve(entry, context) {
    if (entry.base_url === '' && !context.disabled) context.report('base_url', `${GEMINI_URL_EXPECTED}, found ""`);
    else if (entry.base_url !== '' && /\/openai\/?$/.test(new URL(entry.base_url).pathname)) {
      context.report('base_url', `${GEMINI_URL_EXPECTED}: that is the OpenAI-compatible endpoint, which \`type: openai\` speaks, found "${entry.base_url}"`);
    }
    return {
      type: 'gemini',
      upstreamUrl: entry.base_url === '' ? undefined : entry.base_url,
      baseUrl: entry.base_url,
      apiKey: entry.api_key === undefined || entry.api_key === '' ? undefined : entry.api_key,
      headers: entry.headers ?? {},
      maxConnections: entry.max_connections,
      maxResponseBytes: entry.max_response_size,
    };
  },
  create: createGeminiProvider,
});
