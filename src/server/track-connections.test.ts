import { createServer, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { trackConnections } from './track-connections.js';

/** A raw keep-alive connection: sends a request, reads answers, and says when the server closed it. */
function openConnection(port: number): Promise<{ socket: Socket; closed: Promise<void>; answer(path: string): Promise<{ status: number; headers: string }> }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      let buffered = '';
      let waiting: ((text: string) => void) | undefined;
      socket.on('data', (chunk) => {
        buffered += chunk.toString();
        const end = buffered.indexOf('\r\n\r\n');
        if (end !== -1 && waiting) {
          const text = buffered.slice(0, end);
          buffered = buffered.slice(buffered.indexOf('done') + 4);
          waiting(text);
          waiting = undefined;
        }
      });
      const closed = new Promise<void>((done) => socket.once('close', () => done()));
      resolve({
        socket,
        closed,
        answer: (path) =>
          new Promise((done) => {
            waiting = (text) => done({ status: Number(text.split(' ')[1]), headers: text.toLowerCase() });
            socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
          }),
      });
    });
  });
}

describe('trackConnections', () => {
  const servers: ReturnType<typeof createServer>[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
  });

  it('closes an idle connection at once, and a busy one once its last response is done, telling a response not begun to close its connection', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((done) => (release = done));
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      seen.push(request.headers);
      const answer = (): void => void response.end('done');
      if (request.url === '/slow') void held.then(answer);
      else answer();
    });
    servers.push(server);
    const tracked = trackConnections(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;

    const idle = await openConnection(port);
    expect((await idle.answer('/fast')).status).toBe(200);
    const busy = await openConnection(port);
    const slow = busy.answer('/slow');
    await new Promise((done) => setTimeout(done, 50));
    let busyClosed = false;
    void busy.closed.then(() => (busyClosed = true));

    tracked.closeUnused();
    await idle.closed;
    await new Promise((done) => setTimeout(done, 50));
    expect(busyClosed).toBe(false);

    release();
    const answered = await slow;
    expect(answered.status).toBe(200);
    expect(answered.headers).toContain('connection: close');
    await busy.closed;
    expect(seen).toHaveLength(2);
  });

  it('keeps serving a connection whose earlier responses are done, and closes it with its last one when stopping', async () => {
    let release: () => void = () => undefined;
    const server = createServer((request, response) => {
      if (request.url === '/slow') release = () => void response.end('done');
      else response.end('done');
    });
    servers.push(server);
    const tracked = trackConnections(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;

    const connection = await openConnection(port);
    // Three answered on one connection: each leaves the connection's list of responses in flight.
    for (let count = 0; count < 3; count++) expect((await connection.answer('/fast')).status).toBe(200);
    const slow = connection.answer('/slow');
    await new Promise((done) => setTimeout(done, 50));
    tracked.closeUnused();
    release();
    expect((await slow).status).toBe(200);
    await connection.closed;
  });
});
