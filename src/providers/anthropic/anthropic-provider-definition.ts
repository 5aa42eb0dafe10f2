import { defineProvider } from '../provider-definition.js';
import { ANTHROPIC_URL_EXPECTED, AnthropicConfigShape } from './anthropic-config-schema.js';
import { createAnthropicProvider } from './anthropic-provider.js';

/** `type: anthropic`: Anthropic's native Messages API (prompt caching, thinking, PDFs). */
export const anthropicProvider = defineProvider({
  type: 'anthropic',
  shape: AnthropicConfigShape,
  resolve(entry, context) {
    if (entry.base_url === '' && !context.disabled) context.report('base_url', `${ANTHROPIC_URL_EXPECTED}, found ""`);
    else if (entry.base_url !== '' && /\/v1\/?$/.test(new URL(entry.base_url).pathname)) {
      context.report('base_url', `${ANTHROPIC_URL_EXPECTED}: the provider appends /v1/messages itself, found "${entry.base_url}"`);
    }
    return {
      type: 'anthropic',
      upstreamUrl: entry.base_url === '' ? undefined : entry.base_url,
      baseUrl: entry.base_url,
      apiKey: entry.api_key === undefined || entry.api_key === '' ? undefined : entry.api_key,
      version: entry.version,
      promptCaching: entry.prompt_caching,
      headers: entry.headers ?? {},
      maxConnections: entry.max_connections,
      maxResponseBytes: entry.max_response_size,
    };
  },
  create: createAnthropicProvider,
});
