import type { IncomingMessage, ServerResponse } from 'node:http';
import { AbortedError, OverloadedError, PayloadTooLargeError } from '../errors/request-errors.js';
import type { SwitchyardError } from '../errors/switchyard-error.js';
import { CancellationSource, type Cancellation } from '../util/cancellation.js';
import type { BodyBudget } from './body-budget.js';
import { errorToHttp } from './error-to-http.js';
import { merged } from '../util/merged.js';

/**
 * Aborts when the response closes before it finished (the client went away, so its upstream calls
 * stop too), or when `stopping` aborts (the server's shutdown grace ran out), with its reason.
 */
export function clientCancellation(response: ServerResponse, stopping?: Cancellation): CancellationSource {
  const cancellation = new CancellationSource();
  const cut = (): void => cancellation.abort(stopping?.reason);
  if (stopping?.aborted) cut();
  const unlisten = stopping?.aborted === false ? stopping.onAbort(cut) : undefined;
  response.on('close', () => {
    unlisten?.();
    if (!response.writableFinished) cancellation.abort();
  });
  return cancellation;
}

/** How long a client refused for lack of body room is told to wait: requests in flight usually finish within it. */
const OVERLOADED_RETRY_MS = 1_000;

export type BodyLimits = {
  /** One body's limit (`server.max_body_size`). */
  maxBytes: number;
  /** What all bodies in flight hold together (`server.max_inflight_body_size`). */
  budget: BodyBudget;
};

/**
 * Reads the request body up to `limits.maxBytes`. A declared Content-Length over the limit is
 * refused before reading (413), and so is one that does not fit in what the budget has left (503).
 * Bytes are taken from the budget as they arrive, not as declared: a client that declares 30 MB and
 * sends a byte a second holds a byte, not 30 MB of everyone's room. A body is cut off as soon as it
 * passes either bound; what it took is given back when `response` closes. A refused body is drained
 * and dropped, so the client can still read the answer.
 */
export function readBody(request: IncomingMessage, response: ServerResponse, limits: BodyLimits): Promise<Buffer> {
  const { maxBytes, budget } = limits;
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    request.resume();
    return Promise.reject(new PayloadTooLargeError(maxBytes));
  }
  if (Number.isFinite(declared) && declared > budget.capacity - budget.held) {
    request.resume();
    return Promise.reject(overloaded(budget));
  }
  let held = 0;
  const release = (): void => {
    budget.release(held);
    held = 0;
  };
  response.once('close', release);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let refused = false;
    const refuse = (error: Error): void => {
      refused = true;
      chunks.length = 0;
      release();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      if (refused) return;
      if (held + chunk.length > maxBytes) return refuse(new PayloadTooLargeError(maxBytes));
      if (!budget.take(chunk.length)) return refuse(overloaded(budget));
      held += chunk.length;
      chunks.push(chunk);
    };
    const onError = (): void => reject(new AbortedError('The client closed the connection while sending the request.'));
    request.on('data', onData);
    request.once('end', () => {
      // Left on the request, a stream's whole length, these listeners would keep the body (through
      // `resolve`, its promise): views of the socket's read buffer, headers and all.
      request.off('data', onData);
      request.off('error', onError);
      request.on('error', ignoreLateError);
      if (!refused) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, held));
    });
    request.on('error', onError);
  });
}

/** An error on a request whose body was read (the client left mid-answer) is the response's to see; listened to, so it is not thrown. */
const ignoreLateError = (): void => {};

function overloaded(budget: BodyBudget): OverloadedError {
  return new OverloadedError(
    `The gateway is holding as many request bodies as it may (${budget.capacity} bytes, server.max_inflight_body_size); retry shortly.`,
    OVERLOADED_RETRY_MS,
  );
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, merged(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }));
  response.end(text);
}

/** Answers `error`; returns the status, or undefined when an answer had begun and the connection was cut instead. */
export function sendError(response: ServerResponse, error: SwitchyardError, headers: Record<string, string> = {}): number | undefined {
  if (response.headersSent) {
    response.destroy();
    return undefined;
  }
  const http = errorToHttp(error);
  sendJson(response, http.status, http.body, merged(headers, http.headers));
  return http.status;
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
