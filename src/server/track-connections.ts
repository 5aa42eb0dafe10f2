import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Counts requests in flight per connection, for a graceful stop: `closeUnused` closes every
 * connection not serving a request (an idle keep-alive, or one opened and not used yet, which
 * Node's `closeIdleConnections` leaves open until its timeout), and a busy one closes as soon as
 * its last response is done. A response not begun yet says `connection: close`, so that a client
 * (a load balancer's pool) does not send its next request on a connection about to close.
 */
export function trackConnections(server: Server): { closeUnused(): void } {
  const sockets = new Map<Socket, number>();
  const responses = new Set<ServerResponse>();
  let stopping = false;
  server.on('connection', (socket: Socket) => {
    sockets.set(socket, 0);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (request, response: ServerResponse) => {
    const socket = request.socket;
    sockets.set(socket, (sockets.get(socket) ?? 0) + 1);
    responses.add(response);
    response.once('close', () => {
      responses.delete(response);
      const left = (sockets.get(socket) ?? 1) - 1;
      sockets.set(socket, left);
      if (left === 0 && stopping) socket.destroy();
    });
  });
  return {
    closeUnused() {
      stopping = true;
      for (const [socket, inFlight] of sockets) if (inFlight === 0) socket.destroy();
      for (const response of responses) if (!response.headersSent) response.setHeader('connection', 'close');
    },
  };
}
