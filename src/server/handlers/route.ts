import { clientCancellation, sendJson } from '../http-io.js';
import { parseChatRequest } from '../parse-chat-request.js';
import { headerValue, type Handler } from './handler-context.js';

/**
 * `POST /v1/route`: the Decision for a chat request. No answering model is called; a router's LLM
 * classifier or embeddings model is, since the decision depends on it.
 */
export const handleRoute: Handler = async ({ request, response, gateway, readBody, stopping }) => {
  const chat = parseChatRequest(await readBody(), gateway.config.server);
  const { decision } = await gateway.route(chat, { route: headerValue(request.headers['x-switchyard-route']) }, clientCancellation(response, stopping));
  sendJson(response, 200, decision);
};
