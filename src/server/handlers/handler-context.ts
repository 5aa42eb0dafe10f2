import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Gateway } from '../../gateway/gateway.js';
import type { Caller } from '../../keys/caller.js';
import type { Cancellation } from '../../util/cancellation.js';

export type HandlerContext = {
  request: IncomingMessage;
  response: ServerResponse;
  gateway: Gateway;
  logger: Logger;
  /** Who sent the request, by its key (`open` when the gateway takes requests without one). */
  caller: Caller;
  /** Path without the query string. */
  path: string;
  /** Aborts, with a ShutdownError, when the server's shutdown grace has run out: the request's own cancellation follows it. */
  stopping: Cancellation;
  /** The request body, within `server.max_body_size` and the server's in-flight body budget. */
  readBody(): Promise<Buffer>;
};

export type Handler = (context: HandlerContext) => Promise<void>;

export function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first.trim() === '' ? undefined : first.trim();
}
