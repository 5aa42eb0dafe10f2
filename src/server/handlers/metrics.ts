import { ForbiddenError } from '../../errors/request-errors.js';
import type { Handler } from './handler-context.js';

/**
 * `GET /metrics`: Prometheus text exposition (behind the gateway keys when they are set). The
 * operator's: a static or admin key reads it, a virtual key does not (the figures are every
 * caller's, with key names and teams when `server.metrics_key_labels` is on).
 */
export const handleMetrics: Handler = async ({ response, gateway, caller }) => {
  if (caller.kind === 'key') throw new ForbiddenError('/metrics shows every caller\'s figures: read it with a static key (server.api_keys) or an admin key (server.admin_keys), not a virtual key.', 'admin_only');
  gateway.settle();
  const body = await gateway.metrics.render();
  response.writeHead(200, { 'content-type': gateway.metrics.contentType, 'content-length': Buffer.byteLength(body) });
  response.end(body);
};
