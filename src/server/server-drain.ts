import type { Server } from 'node:http';
import { ShutdownError } from '../errors/shutdown-error.js';
import { CancellationSource } from '../util/cancellation.js';
import type { GatewayHolder } from './gateway-holder.js';

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

  /** What a request that arrives while the server drains is answered. */
  refusal(): ShutdownError {
    return new ShutdownError('The gateway is shutting down and takes no new requests; retry the request.');
  }
}

/**
 * Stops a server gracefully: no new connections, idle ones closed at once, requests in flight given
 * `graceMs` to finish; then the rest are cut (a stream ends with a `shutdown` error event, a JSON
 * request gets a 503), and the connections left are closed. Resolves, with how many requests were
 * cut, once every request is done and every replaced gateway is retired: their traces are recorded.
 */
export async function drainServer(
  server: Server,
  holder: GatewayHolder,
  drain: ServerDrain,
  connections: { closeUnused(): void },
  graceMs: number,
): Promise<{ cut: number }> {
  drain.draining = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
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
