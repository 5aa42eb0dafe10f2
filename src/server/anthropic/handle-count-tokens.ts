import { countPromptTokens } from '../../tokens/estimate-usage.js';
import type { Handler } from '../handlers/handler-context.js';
import { sendJson } from '../http-io.js';
import { anthropicRequestId } from './anthropic-request-id.js';
import { parseAnthropicRequest } from './parse-anthropic-request.js';

/**
 * `POST /v1/messages/count_tokens`: `{ input_tokens }` of the request's prompt, counted by the
 * gateway's own counter off the event loop (the one the context-window check uses). It counts with
 * o200k, OpenAI's tokenizer, whatever `model` says: an approximation for other vendors' models
 * (Claude's tokenizer is not public), close enough for what clients use it for, deciding when a
 * conversation nears its window. Images count a fixed 765 tokens each; documents are not counted.
 */
export const handleCountTokens: Handler = async ({ request, response, gateway, readBody }) => {
  const chat = parseAnthropicRequest(await readBody(), gateway.config.server, request.headers, { requireMaxTokens: false });
  const count = await countPromptTokens(chat);
  sendJson(response, 200, { input_tokens: count.tokens }, { 'request-id': anthropicRequestId() });
};
