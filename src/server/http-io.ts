import type { IncomingMessage, ServerResponse } from 'node:http';
import { AbortedError, PayloadTooLargeError } from '../errors/request-errors.js';
import type { SwitchyardError } from '../errors/switchyard-error.js';
import { CancellationSource } from '../util/cancellation.js';
import { errorToHttp } from './error-to-http.js';

/** Aborts when the response closes before it finished: the client went away, so its upstream calls stop too. */
export function clientCancellation(response: ServerResponse): CancellationSource {
  const cancellation = new CancellationSource();
  response.on('close', () => {
    if (!response.writableFinished) cancellation.abort();
  });
  return cancellation;
}

/**
 * Reads the request body up to `limit` bytes. A declared Content-Length over the limit is refused
 * before reading; a chunked body is cut off as soon as it passes the limit (the rest is drained
 * and dropped, so the 413 can still be read by the client).
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    request.resume();
    return Promise.reject(new PayloadTooLargeError(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!tooLarge) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    request.on('error', () => reject(new AbortedError('The client closed the connection while sending the request.')));
  });
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export function sendError(response: ServerResponse, error: SwitchyardError, headers: Record<string, string> = {}): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const http = errorToHttp(error);
  sendJson(response, http.status, http.body, { ...headers, ...http.headers });
}

/**
 * Writes; when the socket's buffer is full, returns a promise of its draining, so a slow client does
 * not make the gateway buffer the stream. Otherwise nothing to wait for: no promise per write.
 */
export function write(response: ServerResponse, text: string): Promise<void> | undefined {
  if (text === '' || response.destroyed || response.write(text)) return undefined;
  return new Promise<void>((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Stops nginx and similar proxies from buffering the stream.
  'x-accel-buffering': 'no',
} as const;
