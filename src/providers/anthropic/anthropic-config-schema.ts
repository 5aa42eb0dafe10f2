import { z } from 'zod';
import { ByteSizeSchema } from '../../util/byte-size-schema.js';

export const ANTHROPIC_URL_EXPECTED = 'expected an http(s) URL without /v1, such as https://api.anthropic.com';

/** The keys of a `type: anthropic` entry of `providers:` (config adds the shared reliability keys). */
export const AnthropicConfigShape = {
  type: z.literal('anthropic'),
  // Without /v1: the client appends /v1/messages, as Anthropic's SDKs and ANTHROPIC_BASE_URL do.
  // "" is what an unset `${VAR}` leaves; such a provider is disabled, and its resolve rejects "" otherwise.
  base_url: z
    .union([z.url({ protocol: /^https?$/, error: ANTHROPIC_URL_EXPECTED }), z.literal('')], { error: ANTHROPIC_URL_EXPECTED })
    .default('https://api.anthropic.com'),
  /** Sent as `x-api-key`. */
  api_key: z.string().optional(),
  /** The `anthropic-version` header. */
  version: z.string().min(1, { error: 'expected an anthropic-version such as 2023-06-01' }).default('2023-06-01'),
  /** `auto`: a request that marks no cache breakpoint gets one on its last tool and its last system block; `off`: never added. */
  prompt_caching: z.enum(['auto', 'off']).default('auto'),
  headers: z.record(z.string(), z.string()).optional(),
  /** Keep-alive connections per upstream origin. */
  max_connections: z.number().int().positive().default(256),
  /** Largest answer taken from the upstream, JSON or a whole stream. */
  max_response_size: ByteSizeSchema.default(64 * 1024 * 1024),
};
