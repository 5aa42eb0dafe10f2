import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Pool } from 'undici';
import { expect } from 'vitest';
import { ProviderHttpError } from '../../src/errors/provider-errors.js';
import type { HttpFailure, JsonTransport } from '../../src/providers/shared/json-transport.js';

export type UpstreamHandler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

export type LocalUpstream = {
  /** The server's origin, `http://127.0.0.1:PORT`. */
  url: string;
  /** An undici Pool on the server, as a provider's transport holds one. */
  transport: JsonTransport;
  /** Every connection the server accepted. */
  sockets: Socket[];
  /** How many of them have closed. */
  closed(): number;
};

const running: { server: Server; pool: Pool }[] = [];

/**
 * An HTTP server on 127.0.0.1 answering each request with `handler` once its body is read, and a
 * transport (a 4-connection Pool, no undici timeouts, a redactor that hides `sk-secret`) on it.
 * Close them all with `closeLocalUpstreams` after each test.
 */
export async function localUpstream(handler: UpstreamHandler, poolOptions: Pool.Options = {}): Promise<LocalUpstream> {
  const sockets: Socket[] = [];
  let closed = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => handler(request, body, response));
  });
  server.on('connection', (socket: Socket) => {
    sockets.push(socket);
    socket.on('close', () => closed++);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pool = new Pool(url, { connections: 4, headersTimeout: 0, bodyTimeout: 0, ...poolOptions });
  running.push({ server, pool });
  const transport: JsonTransport = { pool, path: '/v1/chat/completions', headers: {}, redact: (text, max) => text.replace('sk-secret', '[redacted]').slice(0, max), source: { provider: 'up', model: 'm' } };
  return { url, transport, sockets, closed: () => closed };
}

export async function closeLocalUpstreams(): Promise<void> {
  for (const { server, pool } of running.splice(0)) {
    await pool.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

export type RecordedFailure = { status: number; header: string | string[] | undefined; bodyText: string };

/** An error reader (`toError`) that keeps what it was given as the error's message, for `failureOf` to read back. */
export const recordingToError = (failure: HttpFailure): ProviderHttpError =>
  new ProviderHttpError({ source: failure.source, status: failure.status, message: JSON.stringify({ status: failure.status, header: failure.headers['x-request-id'], bodyText: failure.bodyText }) });

/** What `recordingToError` was given, from the error it made. */
export function failureOf(error: unknown): RecordedFailure {
  expect(error).toBeInstanceOf(ProviderHttpError);
  return JSON.parse((error as Error).message) as RecordedFailure;
}
