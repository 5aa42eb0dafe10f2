import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as every fake upstream receives it: its body read whole, parsed when it is JSON. */
export type ReceivedRequest = {
  method: string;
  /** The path with its query. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as text. */
  text: string;
  /** The parsed JSON body (undefined if it was not JSON). */
  body: Record<string, unknown> | undefined;
  /** Resolves when the server side of this request closes: `aborted` if the client went away first. */
  closed: Promise<'completed' | 'aborted'>;
};

/**
 * What every fake upstream does the same way: a real HTTP server on 127.0.0.1 on a free port that
 * reads each request and hands it to `handle` (a client that goes away mid-answer is no error), and
 * a `close` that drops the connections still open.
 */
export async function startFakeHttpServer(
  handle: (request: ReceivedRequest, response: ServerResponse) => Promise<void>,
): Promise<{ origin: string; connections(): { accepted: number; closed: number }; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let closed = 0;
  const server: Server = createServer((incoming, response) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = undefined;
      }
      const closed = new Promise<'completed' | 'aborted'>((resolve) => {
        response.on('close', () => resolve(response.writableFinished ? 'completed' : 'aborted'));
      });
      try {
        await handle({ method: incoming.method ?? '', path: incoming.url ?? '', headers: incoming.headers, text, body, closed }, response);
      } catch {
        // The client went away mid-answer; nothing to do.
      }
    })();
  });
  server.on('connection', (socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => {
      closed++;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    connections: () => ({ accepted, closed }),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A fake's scripted answers: queued ones first, in order, then the responder's. */
export class FakeScript<Request, Answer extends object> {
  private readonly queue: Answer[] = [];

  constructor(private responder: (request: Request) => Answer) {}

  /** Sets how every following request is answered. */
  respond(next: ((request: Request) => Answer) | Answer): void {
    this.responder = typeof next === 'function' ? (next as (request: Request) => Answer) : () => next;
  }

  /** Answers the next requests with these, in order, then falls back to the responder. */
  enqueue(...answers: Answer[]): void {
    this.queue.push(...answers);
  }

  next(request: Request): Answer {
    return this.queue.shift() ?? this.responder(request);
  }
}

/** What every fake upstream offers a test; each fake says what its `url` includes and adds its own. */
export type ScriptedFake<Request, Answer> = {
  url: string;
  /** Every request received, in order. */
  requests: Request[];
  /** Sets how every following request of the fake's model endpoints is answered. */
  respond(responder: ((request: Request) => Answer) | Answer): void;
  /** Answers the next such requests with these, in order, then falls back to the responder. */
  enqueue(...answers: Answer[]): void;
  /** The model requests for one model id. */
  requestsFor(model: string): Request[];
  close(): Promise<void>;
};
