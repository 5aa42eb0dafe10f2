import type { ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { expect } from 'vitest';
import { ProviderHttpError } from '../../src/errors/provider-errors.js';
import type { HttpFailure, JsonTransport } from '../../src/providers/shared/json-transport.js';
import { startFakeHttpServer, type ReceivedRequest } from './fake-http-server.js';

export type UpstreamHandler = (request: ReceivedRequest, body: string, response: ServerResponse) => void;

export type LocalUpstream = {
  /** The server's origin, `http://127.0.0.1:PORT`. */
  url: string;
  /** An undici Pool on the server, as a provider's transport holds one. */
  transport: JsonTransport;
  /** How many connections the server accepted. */
  accepted(): number;
  /** How many of them have closed. */
  closed(): number;
};

const running: { close(): Promise<void>; pool: Pool }[] = [];

/**
 * A fake HTTP server (startFakeHttpServer) answering each request with `handler` once its body is
 * read, and a transport (a 4-connection Pool, no undici timeouts, a redactor that hides
 * `sk-secret`) on it. Close them all with `closeLocalUpstreams` after each test.
 */
export async function localUpstream(handler: UpstreamHandler, poolOptions: Pool.Options = {}): Promise<LocalUpstream> {
  const server = await startFakeHttpServer(async (request, response) => handler(request, request.text, response));
  const pool = new Pool(server.origin, { connections: 4, headersTimeout: 0, bodyTimeout: 0, ...poolOptions });
  running.push({ close: () => server.close(), pool });
  const transport: JsonTransport = { pool, path: '/v1/chat/completions', headers: {}, redact: (text, max) => text.replace('sk-secret', '[redacted]').slice(0, max), source: { provider: 'up', model: 'm' } };
  return { url: server.origin, transport, accepted: () => server.connections().accepted, closed: () => server.connections().closed };
}

export async function closeLocalUpstreams(): Promise<void> {
  for (const { close, pool } of running.splice(0)) {
    await pool.destroy();
    await close();
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
