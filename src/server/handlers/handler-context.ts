import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Gateway } from '../../gateway/gateway.js';

export type HandlerContext = {
  request: IncomingMessage;
  response: ServerResponse;
  gateway: Gateway;
  logger: Logger;
  /** Path without the query string. */
  path: string;
};

export type Handler = (context: HandlerContext) => Promise<void>;

export function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first.trim() === '' ? undefined : first.trim();
}
