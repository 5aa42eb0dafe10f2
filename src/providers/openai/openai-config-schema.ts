import { z } from 'zod';
import { ByteSizeSchema } from '../../util/byte-size-schema.js';

export const OPENAI_URL_EXPECTED = 'expected an http(s) URL such as https://api.openai.com/v1';

/** The keys of a `type: openai` entry of `providers:` (config adds the shared reliability keys). */
export const OpenAIConfigShape = {
  type: z.literal('openai'),
  // "" is what an unset `${VAR}` leaves; such a provider is disabled, and its resolve rejects "" otherwise.
  base_url: z.union([z.url({ protocol: /^https?$/, error: OPENAI_URL_EXPECTED }), z.literal('')], { error: OPENAI_URL_EXPECTED }),
  api_key: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** The wire API of its models: Chat Completions (`chat`) or the Responses API (`responses`); a `models:` entry's own `api` wins. */
  api: z.enum(['chat', 'responses']).default('chat'),
  /** Keep-alive connections per upstream origin. */
  max_connections: z.number().int().positive().default(256),
  /** Largest answer taken from the upstream, JSON or a whole stream: an upstream gone wrong must not fill the gateway's memory. */
  max_response_size: ByteSizeSchema.default(64 * 1024 * 1024),
};
