import type { Server, ServerResponse } from 'node:http';
import { ShutdownError } from '../errors/shutdown-error.js';
import { CancellationSource } from '../util/cancellation.js';
import type { GatewayHolder } from './gateway-holder.js';
import { sendJson } from './http-io.js';

/** The readiness probe a load balancer polls: during a drain it reads 503 `draining`. */
const HEALTH_PATH = '/healthz';

/**
 * After the grace, how long cut requests get to write their error and end (their upstream calls
 * abort at once) before their connections are closed: a client that stopped reading is not waited for.
 */
const CUT_MS = 1_000;
/** Then how long their handlers get to record their traces (a usage estimate may still run) before the gateway closes anyway. */
const SETTLE_MS = 5_000;

/** The server's side of a shutdown, read by every request. */
export class ServerDrain {
  /** Set once the server stops taking requests: one that still arrives on an open connection is answered 503. */
  draining = false;
  /** Aborts with a ShutdownError when the grace has run out: each request in flight follows it and ends. */
  readonly stopping = new CancellationSource();

  /**
   * Answers a request that arrives while the server drains, and closes its connection after it. A
   * probe of `/healthz` reads 503 `draining`, so a load balancer takes this gateway out of rotation;
   * any other request gets the error returned (503 `server_shutting_down`, retryable) to answer.
   */
  refuse(path: string, response: ServerResponse): ShutdownError | undefined {
    response.setHeader('connection', 'close');
    if (path !== HEALTH_PATH) return new ShutdownError('The gateway is shutting down and takes no new requests; retry the request.');
    sendJson(response, 503, { status: 'draining' });
    return undefined;
  }
}

/**
 * Stops a server gracefully: idle connections closed at once, new requests refused (see
 * `ServerDrain.refuse`), requests in flight given `graceMs` to finish; then the rest are cut (a
 * stream ends with a `shutdown` error event, a JSON request gets a 503), the listener closes and the
 * connections left are closed. Resolves, with how many requests were cut, once every request is done
 * and every replaced gateway is retired: their traces are recorded.
 */
export async function drainServer(
  server: Server,
  holder: GatewayHolder,
  drain: ServerDrain,
  connections: { closeUnused(): void },
  graceMs: number,
): Promise<{ cut: number }> {
  drain.draining = true;
  // Connections with no request in flight would hold the shutdown for their keep-alive timeout.
  connections.closeUnused();
  let cut = 0;
  if (!(await within(holder.idle(), graceMs))) {
    cut = holder.inFlight;
    drain.stopping.abort(new ShutdownError(`The gateway shut down before this request finished (its shutdown grace is ${graceMs} ms); retry the request.`));
    if (!(await within(holder.idle(), CUT_MS))) {
      server.closeAllConnections();
      await within(holder.idle(), SETTLE_MS);
    }
  }
  // The listener stayed open until now: a load balancer's probe reads 503 `draining`, and a request it
  // still sends gets a retryable 503, not a refused connection. A connection opened since is closed.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  connections.closeUnused();
  if (!(await within(closed, CUT_MS))) {
    server.closeAllConnections();
    await closed;
  }
  await holder.retired();
  return { cut };
}

/** Whether `promise` settled within `ms` (never times out for an infinite `ms`). */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  if (!Number.isFinite(ms)) {
    await promise;
    return true;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
