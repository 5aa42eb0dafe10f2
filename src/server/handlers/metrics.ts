import type { Handler } from './handler-context.js';

/** `GET /metrics`: Prometheus text exposition (behind the gateway keys when they are set). */
export const handleMetrics: Handler = async ({ response, gateway }) => {
  gateway.settle();
  const body = await gateway.metrics.render();
  response.writeHead(200, { 'content-type': gateway.metrics.contentType, 'content-length': Buffer.byteLength(body) });
  response.end(body);
};
