import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ServerConfig } from '../config/resolved-config.js';
import { createHostCheck } from './check-host.js';
import { createOriginCheck } from './check-origin.js';

/** Throws when a request must not reach a handler; returns true when it answered it (a CORS preflight). */
export type RequestGuard = (request: IncomingMessage, response: ServerResponse, path: string) => boolean;

/** Answered whatever the Host: it says only "up", and probes name the server in many ways (pod address, service name). */
const HEALTH_PATH = '/healthz';
/** The dashboard page holds no data and may be opened from a link on another site; its API calls are checked. */
const DASHBOARD_PATH = '/';

/**
 * The checks before dispatch, keys aside: the Host (against DNS rebinding), then browser origins
 * and form posts (against cross-site requests). Built from the address the server is bound to.
 */
export function createRequestGuard(server: Pick<ServerConfig, 'allowedHosts' | 'cors'>, bindAddress: string): RequestGuard {
  const checkHost = createHostCheck({ bindAddress, allowedHosts: server.allowedHosts });
  const checkOrigin = createOriginCheck(server.cors);
  return (request, response, path) => {
    if (path === HEALTH_PATH) return false;
    checkHost?.(request.headers.host);
    if (path === DASHBOARD_PATH) return false;
    return checkOrigin(request, response);
  };
}

/** The address a listening server is bound to; a pipe or socket file is local like loopback. */
export function boundAddress(server: Server): string {
  const address = server.address();
  return address === null || typeof address === 'string' ? 'localhost' : address.address;
}
