import { z } from 'zod';
import { ByteSizeSchema } from '../../util/byte-size-schema.js';

export const GEMINI_URL_EXPECTED = 'expected an http(s) URL with the API version, such as https://generativelanguage.googleapis.com/v1beta';

/** The keys of a `type: gemini` entry of `providers:` (config adds the shared reliability keys). */
export const GeminiConfigShape = {
  type: z.literal('gemini'),
  // With the version: the provider appends /models/{model}:generateContent, as Google's SDKs do.
  // "" is what an unset `${VAR}` leaves; such a provider is disabled, and its resolve rejects "" otherwise.
  base_url: z
    .union([z.url({ protocol: /^https?$/, error: GEMINI_URL_EXPECTED }), z.literal('')], { error: GEMINI_URL_EXPECTED })
    .default('https://generativelanguage.googleapis.com/v1beta'),
  /** Sent as `x-goog-api-key`. */
  api_key: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** Keep-alive connections per upstream origin. */
  max_connections: z.number().int().positive().default(256),
  /** Largest answer taken from the upstream, JSON or a whole stream. */
  max_response_size: ByteSizeSchema.default(64 * 1024 * 1024),
};
