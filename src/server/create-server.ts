import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { InternalError, MethodNotAllowedError, NotFoundError } from '../errors/request-errors.js';
import { SwitchyardError } from '../errors/switchyard-error.js';
import type { Gateway } from '../gateway/gateway.js';
import { createApiKeyCheck } from './check-api-key.js';
import { handleChatCompletions } from './handlers/chat-completions.js';
import type { Handler } from './handlers/handler-context.js';
import { handleHealth } from './handlers/health.js';
import { handleGetModel, handleListModels } from './handlers/models.js';
import { handleRoute } from './handlers/route.js';
import { handleMetrics } from './handlers/metrics.js';
import { handleDashboard } from './handlers/dashboard.js';
import { handleFeedback, handleGetTrace, handleListTraces, handleStats } from './handlers/traces.js';
import { sendError } from './http-io.js';
import { trackConnections } from './track-connections.js';

type Routes = Readonly<Record<string, Partial<Record<string, Handler>>>>;

// Paths work with and without the /v1 prefix: some clients are configured with a base URL that lacks it.
const ROUTES: Routes = {
  '/v1/chat/completions': { POST: handleChatCompletions },
  '/chat/completions': { POST: handleChatCompletions },
  '/v1/models': { GET: handleListModels },
  '/models': { GET: handleListModels },
  '/v1/route': { POST: handleRoute },
  '/v1/traces': { GET: handleListTraces },
  '/traces': { GET: handleListTraces },
  '/v1/feedback': { POST: handleFeedback },
  '/v1/stats': { GET: handleStats },
  '/feedback': { POST: handleFeedback },
  '/healthz': { GET: handleHealth },
  '/metrics': { GET: handleMetrics },
  '/': { GET: handleDashboard },
};

/** Paths anyone may call, API keys or not: liveness, and the dashboard's page (it holds no data; its API calls carry the key). */
const PUBLIC = new Set(['/healthz', '/']);

function findHandler(method: string, path: string): Handler | undefined {
  const routes = ROUTES[path];
  if (routes) return routes[method];
  if (method === 'GET' && /^(\/v1)?\/models\/.+/.test(path)) return handleGetModel;
  if (method === 'GET' && /^(\/v1)?\/traces\/.+/.test(path)) return handleGetTrace;
  return undefined;
}

/**
 * The HTTP edge on node:http (no framework: the gateway's own overhead must stay a small fraction
 * of a millisecond). Parses, authenticates, dispatches, and turns any failure into an OpenAI error
 * body: no input crashes it.
 */
export function createServer(gateway: Gateway, logger: Logger): Server {
  const checkApiKey = createApiKeyCheck(gateway.config.server.apiKeys);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const method = request.method ?? 'GET';
    try {
      const handler = findHandler(method, path);
      if (!handler) {
        request.resume();
        const allowed = ROUTES[path];
        if (allowed) throw new MethodNotAllowedError(method, path, Object.keys(allowed));
        throw new NotFoundError(`Unknown path ${path}. Try POST /v1/chat/completions.`, { code: 'not_found' });
      }
      if (checkApiKey && !PUBLIC.has(path)) checkApiKey(request.headers);
      await handler({ request, response, gateway, logger, path });
    } catch (thrown) {
      const error = SwitchyardError.isInstance(thrown) ? thrown : new InternalError('Internal error in the gateway.', thrown);
      if (error.kind === 'internal') logger.error({ err: thrown, path }, 'request failed');
      sendError(response, error);
    }
  };

  const server = createHttpServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    void handle(request, response);
  });
  // Malformed HTTP never reaches a handler; answer it and drop the connection.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

export type RunningServer = { server: Server; url: string; close(): Promise<void> };

export async function startServer(gateway: Gateway, logger: Logger, options: { host: string; port: number }): Promise<RunningServer> {
  const server = createServer(gateway, logger);
  const connections = trackConnections(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Connections with no request in flight would hold shutdown for their keep-alive timeout.
        connections.closeUnused();
      });
      await gateway.close();
    },
  };
}
