import { readBody, sendJson } from '../http-io.js';
import { parseChatRequest } from '../parse-chat-request.js';
import { headerValue, type Handler } from './handler-context.js';

/** `POST /v1/route`: the Decision for a chat request, without calling any model. */
export const handleRoute: Handler = async ({ request, response, gateway }) => {
  const chat = parseChatRequest(await readBody(request, gateway.config.server.maxBodyBytes));
  const { decision } = gateway.route(chat, { route: headerValue(request.headers['x-switchyard-route']) });
  sendJson(response, 200, decision);
};
