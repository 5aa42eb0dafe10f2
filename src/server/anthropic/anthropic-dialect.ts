import type { IncomingHttpHeaders } from 'node:http';
import type { Dialect } from '../../spec/dialect.js';

/** With and without `/v1`, as the OpenAI paths: a client's base URL may or may not end with it. */
export const MESSAGES_PATHS = ['/v1/messages', '/messages'] as const;
export const COUNT_TOKENS_PATHS = ['/v1/messages/count_tokens', '/messages/count_tokens'] as const;

/**
 * The dialect a request is answered in, refusals included: Anthropic's for its paths and for any
 * request that carries `anthropic-version` (every Anthropic SDK and Claude Code send it), so that
 * such a client reads even a 404 or a 401 in the shape it parses; OpenAI's otherwise.
 */
export function dialectOf(path: string, headers: IncomingHttpHeaders): Dialect {
  if (headers['anthropic-version'] !== undefined || path.startsWith('/v1/messages') || path.startsWith('/messages')) return 'anthropic';
  return 'openai';
}
