import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { InternalError, MethodNotAllowedError, NotFoundError } from '../errors/request-errors.js';
import { SwitchyardError } from '../errors/switchyard-error.js';
import type { Gateway } from '../gateway/gateway.js';
import { quoteInput } from '../util/quote-input.js';
import type { CachedKeyLookup } from '../keys/cached-key-lookup.js';
import type { KeyStore } from '../keys/key-store.js';
import { ADMIN_PATH, createAdminKeysHandler } from './admin/handle-admin-keys.js';
import { createApiKeyCheck } from './check-api-key.js';
import { OPEN_CALLER } from '../keys/caller.js';
import { boundAddress, createRequestGuard, type RequestGuard } from './guard-request.js';
import { handleChatCompletions } from './handlers/chat-completions.js';
import { handleEmbeddings } from './handlers/embeddings.js';
import type { Handler } from './handlers/handler-context.js';
import { handleHealth, handleProbe } from './handlers/health.js';
import { anthropicRequestId } from './anthropic/anthropic-request-id.js';
import { dialectOf } from './anthropic/anthropic-dialect.js';
import { handleCountTokens } from './anthropic/handle-count-tokens.js';
import { handleMessages } from './anthropic/handle-messages.js';
import { sendAnthropicError } from './anthropic/send-anthropic-error.js';
import { handleResponses } from './responses/handle-responses.js';
import { handleDeleteStoredResponse, handleGetStoredResponse, STORED_RESPONSE_PATH } from './responses/handle-stored-response.js';
import { isResponsesPath } from './responses/responses-dialect.js';
import { handleGetModel, handleListModels } from './handlers/models.js';
import { handleRoute } from './handlers/route.js';
import { handleMetrics } from './handlers/metrics.js';
import { handleDashboard } from './handlers/dashboard.js';
import { handleFeedback, handleGetTrace, handleListTraces, handleStats } from './handlers/traces.js';
import { handleUsage } from './handlers/usage.js';
import { handleQuality } from './handlers/quality.js';
import { readBody, sendError } from './http-io.js';
import { trackConnections } from './track-connections.js';
import { GatewayHolder } from './gateway-holder.js';
import { drainServer, ServerDrain } from './server-drain.js';
import { answerClientError } from './answer-client-error.js';
import { clientErrorReason, edgeRejectionReason } from './edge-rejection-reason.js';
import { reportEdgeRejection } from './report-edge-rejection.js';
import { BodyBudget } from './body-budget.js';
import { defaultConnectionCap } from './connection-cap.js';
import { httpServerOptions } from './http-server-options.js';
import { limitConnections } from './limit-connections.js';

type Routes = Readonly<Record<string, Partial<Record<string, Handler>>>>;

// Paths work with and without the /v1 prefix: some clients are configured with a base URL that lacks it.
const ROUTES: Routes = {
  '/v1/chat/completions': { POST: handleChatCompletions },
  '/chat/completions': { POST: handleChatCompletions },
  '/v1/embeddings': { POST: handleEmbeddings },
  '/embeddings': { POST: handleEmbeddings },
  '/v1/messages': { POST: handleMessages },
  '/messages': { POST: handleMessages },
  '/v1/messages/count_tokens': { POST: handleCountTokens },
  '/messages/count_tokens': { POST: handleCountTokens },
  '/v1/responses': { POST: handleResponses },
  '/responses': { POST: handleResponses },
  '/v1/models': { GET: handleListModels },
  '/models': { GET: handleListModels },
  '/v1/route': { POST: handleRoute },
  '/v1/traces': { GET: handleListTraces },
  '/traces': { GET: handleListTraces },
  '/v1/feedback': { POST: handleFeedback },
  '/v1/stats': { GET: handleStats },
  '/v1/quality': { GET: handleQuality },
  '/v1/usage': { GET: handleUsage },
  '/feedback': { POST: handleFeedback },
  '/healthz': { GET: handleHealth },
  '/metrics': { GET: handleMetrics },
  '/': { GET: handleDashboard, HEAD: handleProbe },
  '/api/hello': { HEAD: handleProbe },
};

/** Paths anyone may call, API keys or not: liveness, Claude Code's probe, and the dashboard's page (it holds no data; its API calls carry the key). */
const PUBLIC = new Set(['/healthz', '/', '/api/hello']);

function findHandler(method: string, path: string): Handler | undefined {
  const routes = ROUTES[path];
  if (routes) return routes[method];
  if (method === 'GET' && /^(\/v1)?\/models\/.+/.test(path)) return handleGetModel;
  if (method === 'GET' && /^(\/v1)?\/traces\/.+/.test(path)) return handleGetTrace;
  if (method === 'GET' && STORED_RESPONSE_PATH.test(path)) return handleGetStoredResponse;
  if (method === 'DELETE' && STORED_RESPONSE_PATH.test(path)) return handleDeleteStoredResponse;
  return undefined;
}

/**
 * The HTTP edge on node:http (no framework: the gateway's own overhead must stay a small fraction
 * of a millisecond). Parses, authenticates, dispatches, and turns any failure into an error body
 * in the client's dialect (OpenAI's or Anthropic's): no input crashes it.
 */
export function createServer(gateway: Gateway, logger: Logger, holder = new GatewayHolder(gateway), drain = new ServerDrain(), virtualKeys?: CachedKeyLookup, keyStore?: KeyStore): Server {
  const checkApiKey = createApiKeyCheck(gateway.config.server, virtualKeys);
  const handleAdminKeys = createAdminKeysHandler(keyStore, virtualKeys);
  // Built at the first request: the bound address is known once the server listens (`localhost` is then 127.0.0.1 or ::1).
  let guard: RequestGuard | undefined;
  // Socket limits and the body budget are the server's: fixed when it starts (a config reload does not change them).
  const limits = gateway.config.server;
  const bodyBudget = new BodyBudget(limits.maxInflightBodyBytes);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const method = request.method ?? 'GET';
    // The gateway is taken once: a config reload in the meantime does not change it under the request.
    const slot = holder.enter();
    try {
      if (drain.draining) {
        request.resume();
        const refusal = drain.refuse(path, response);
        if (refusal === undefined) return;
        throw refusal;
      }
      guard ??= createRequestGuard(gateway.config.server, boundAddress(server));
      if (guard(request, response, path)) return;
      const handler = findHandler(method, path) ?? (ADMIN_PATH.test(path) ? handleAdminKeys : undefined);
      if (!handler) {
        request.resume();
        const allowed = ROUTES[path];
        if (allowed) throw new MethodNotAllowedError(method, path, Object.keys(allowed));
        throw new NotFoundError(`Unknown path ${quoteInput(path)}. Try POST /v1/chat/completions or POST /v1/messages.`, { code: 'not_found' });
      }
      const caller = checkApiKey && !PUBLIC.has(path) ? checkApiKey(request.headers) : OPEN_CALLER;
      await handler({ request, response, gateway: slot.gateway, logger, path, caller, stopping: drain.stopping, readBody: () => readBody(request, response, { maxBytes: slot.gateway.config.server.maxBodyBytes, budget: bodyBudget }) });
    } catch (thrown) {
      const error = SwitchyardError.isInstance(thrown) ? thrown : new InternalError('Internal error in the gateway.', thrown);
      if (error.kind === 'internal') logger.error({ err: thrown, path }, 'request failed');
      // Answered in the dialect of the path or of the client's headers: an Anthropic client parses only Anthropic's error shape.
      const dialect = isResponsesPath(path) ? 'responses' : dialectOf(path, request.headers);
      const status = dialect === 'anthropic' ? sendAnthropicError(response, error, anthropicRequestId()) : sendError(response, error);
      // Every failure that is answered here and is a refusal (not one after routing began, which has its trace) is logged and counted.
      const reason = edgeRejectionReason(error);
      if (reason !== undefined && status !== undefined) {
        const userAgent = request.headers['user-agent'];
        reportEdgeRejection(logger, holder.gateway.metrics, { dialect, status, reason, method, path, userAgent, message: error.message });
      }
    } finally {
      holder.leave(slot);
    }
  };

  const server = createHttpServer(httpServerOptions(limits), (request, response) => {
    void handle(request, response);
  });
  // Malformed, oversized or too slow HTTP never reaches a handler; answer it and drop the connection.
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    const status = answerClientError(error, socket);
    const reason = clientErrorReason(error.code, socket.bytesRead);
    // The message only: the error also holds the raw bytes received, headers (keys) included.
    if (reason !== undefined) reportEdgeRejection(logger, holder.gateway.metrics, { dialect: undefined, status, reason, message: error.message });
  });
  limitConnections(server, limits.maxConnections ?? defaultConnectionCap(), (message) =>
    reportEdgeRejection(logger, holder.gateway.metrics, { dialect: undefined, status: undefined, reason: 'too_many_connections', message }),
  );
  return server;
}

export type RunningServer = {
  server: Server;
  url: string;
  /** New requests go to `next` (a config reload); resolves once the gateway it replaces has finished its requests and is retired. */
  replaceGateway(next: Gateway): Promise<void>;
  /**
   * Stops taking requests, gives those in flight `graceMs` (default: no limit) to finish, cuts the
   * rest (streams end with a `shutdown` error event), then closes the gateway (its traces flushed).
   */
  close(options?: { graceMs?: number }): Promise<{ cut: number }>;
};

/** `virtualKeys`: the virtual keys clients may present besides `server.api_keys`; `keyStore`: what the admin API (`/admin/keys…`) manages. */
export async function startServer(
  gateway: Gateway,
  logger: Logger,
  options: { host: string; port: number; virtualKeys?: CachedKeyLookup | undefined; keyStore?: KeyStore | undefined },
): Promise<RunningServer> {
  const holder = new GatewayHolder(gateway);
  const drain = new ServerDrain();
  const server = createServer(gateway, logger, holder, drain, options.virtualKeys, options.keyStore);
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
    replaceGateway: (next) => holder.replace(next),
    async close(options = {}) {
      const drained = await drainServer(server, holder, drain, connections, options.graceMs ?? Infinity);
      await holder.gateway.close();
      return drained;
    },
  };
}
