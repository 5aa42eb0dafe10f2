import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

/** Connections still sending their request compared when one must make room: the slowest of them goes. */
const COMPARED = 32;
/**
 * A connection idle for less than this is closed only when nothing else can make room: a client
 * that has just connected has not had the time to send its headers (the event loop may have been
 * busy with a large body), and under a flood of connections the oldest idle one is only milliseconds old.
 */
const IDLE_GRACE_MS = 1_000;
/** Bytes a millisecond (64 KB/s) under which a connection a second into sending its body counts as slow; an upload faster than that is never closed. */
const SLOW_SENDER_RATE = 64;

type Receiving = { request: IncomingMessage; since: number; bytesAtStart: number };

/**
 * Keeps at most `max` client connections open. A connection past the cap takes the place of one
 * that is not being served: the one idle longest (a keep-alive between requests, or one that has
 * not sent its headers yet) if it has been idle a second, else the slowest among the oldest still
 * sending a request body a second after it began, if slower than 64 KB/s, else the one idle longest. So idle, slow-header and slow-body
 * sockets cannot lock new clients out. When every connection has a whole request being answered,
 * the new one is closed instead. `onClose` hears of each connection closed to keep the cap, with why.
 */
export function limitConnections(server: Server, max: number, onClose: (message: string) => void): void {
  const open = new Set<Socket>();
  // Both in insertion order (oldest first), which is the order a Map keeps; idle ones with the time they became idle.
  const idle = new Map<Socket, number>();
  const receiving = new Map<Socket, Receiving>();
  const inFlight = new Map<Socket, number>();
  const forget = (socket: Socket): void => {
    open.delete(socket);
    idle.delete(socket);
    receiving.delete(socket);
    inFlight.delete(socket);
  };

  const slowestSender = (): Socket | undefined => {
    let slowest: Socket | undefined;
    let slowestRate = Infinity;
    let compared = 0;
    const now = performance.now();
    for (const [socket, entry] of receiving) {
      // A request whose body has all arrived is being served: no longer a candidate.
      if (entry.request.complete) {
        receiving.delete(socket);
        continue;
      }
      const elapsed = now - entry.since;
      const rate = (socket.bytesRead - entry.bytesAtStart) / Math.max(1, elapsed);
      if (elapsed >= IDLE_GRACE_MS && rate < SLOW_SENDER_RATE && rate < slowestRate) {
        slowest = socket;
        slowestRate = rate;
      }
      if (++compared === COMPARED) break;
    }
    return slowest;
  };

  server.on('connection', (socket: Socket) => {
    open.add(socket);
    idle.set(socket, performance.now());
    socket.once('close', () => forget(socket));
    if (open.size <= max) return;
    // The new socket is the newest idle one: it is the one closed only when no other can make room.
    const [oldestIdle, idleSince] = idle.entries().next().value as [Socket, number];
    const longIdle = oldestIdle !== socket && performance.now() - idleSince >= IDLE_GRACE_MS ? oldestIdle : undefined;
    const slow = longIdle ? undefined : slowestSender();
    const evicted = longIdle ?? slow ?? (oldestIdle !== socket ? oldestIdle : socket);
    forget(evicted);
    evicted.destroy();
    const which = evicted === slow ? 'the slowest sender of a request body' : evicted === socket ? 'the new connection: every other one is serving a request' : 'the connection idle longest';
    onClose(`server.max_connections (${max}) reached: closed ${which}.`);
  });

  server.on('request', (request: IncomingMessage, response) => {
    const socket = request.socket as Socket;
    if (!open.has(socket)) return;
    idle.delete(socket);
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    if (!request.complete) receiving.set(socket, { request, since: performance.now(), bytesAtStart: socket.bytesRead });
    response.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      if (left > 0) inFlight.set(socket, left);
      else if (open.has(socket)) {
        inFlight.delete(socket);
        receiving.delete(socket);
        idle.set(socket, performance.now());
      }
    });
  });
}
