import type { Logger } from 'pino';
import type { EdgeRejection } from '../spec/edge-rejection.js';
import { clipInput } from '../util/quote-input.js';

/** A refusal at the edge, with what the log line says of the request: never its headers (keys) or its body. */
export type EdgeRefusal = EdgeRejection & {
  method?: string | undefined;
  /** Without the query string, which may carry a key. */
  path?: string | undefined;
  userAgent?: string | undefined;
  /** The error message the client was answered (client values in it are quoted and cut, see quote-input.ts). */
  message: string;
};

/**
 * Logs and counts a request refused before routing: it has no trace, so without this line and
 * `switchyard_edge_rejections_total` a misconfigured client would meet only silence.
 *
 * At `warn`, except a GET or HEAD of an unknown path, at `info`: browsers, crawlers and scanners
 * fetch paths on their own (`/favicon.ico`, `/robots.txt`, `/wp-login.php`), which says nothing
 * about a client of the API; an API client with a wrong base URL POSTs, and is a warning.
 */
export function reportEdgeRejection(logger: Logger, metrics: { recordEdgeRejection(rejection: EdgeRejection): void }, refusal: EdgeRefusal): void {
  const { dialect, status, reason, method, path, userAgent, message } = refusal;
  metrics.recordEdgeRejection({ dialect, status, reason });
  const line = {
    dialect,
    method,
    path: path === undefined ? undefined : clipInput(path),
    status,
    reason,
    user_agent: userAgent === undefined ? undefined : clipInput(userAgent),
    error: message,
  };
  if (reason === 'not_found' && (method === 'GET' || method === 'HEAD')) logger.info(line, 'request refused');
  else logger.warn(line, 'request refused');
}
