import type { Dispatcher } from 'undici';
import type { SwitchyardError } from '../../errors/switchyard-error.js';
import { AbortedError } from '../../errors/request-errors.js';
import type { Cancellation } from '../../util/cancellation.js';
import { STREAM_DONE } from '../../util/closing-iterator.js';
import { ErrorBody } from './error-body.js';
import { mapTransportError } from './map-transport-error.js';
import { parseJsonAnswer, type HttpFailure, type JsonTransport } from './json-transport.js';

/** A 2xx answer's content type, and its body's chunks as they come; leaving the iteration early (`return()`) aborts the request. */
export interface UpstreamStream extends AsyncIterable<Buffer>, AsyncIterator<Buffer> {
  readonly contentType: string;
}

/**
 * POSTs a JSON body and resolves at a 2xx answer's headers, with its body still to come. A handler
 * given to `pool.dispatch`, not `pool.request`: no body Readable, async iterator, abort signal and
 * the listeners each needs, all of which lived as long as the stream (about 3 KB of it). A
 * non-2xx answer rejects through `toError` with the start of its body (fetchJsonAnswer's
 * ErrorBody); a transport failure rejects, before the headers, or fails the next `next()`, after
 * them, mapped by mapTransportError; so does `cancellation`, which aborts the request.
 */
export function openUpstreamStream(
  transport: JsonTransport,
  body: string,
  headers: Readonly<Record<string, string>>,
  toError: (failure: HttpFailure) => SwitchyardError,
  cancellation: Cancellation,
): Promise<UpstreamStream> {
  if (cancellation.aborted) return Promise.reject(new AbortedError());
  return new Promise((resolve, reject) => {
    transport.pool.dispatch({ path: transport.path, method: 'POST', headers, body }, new UpstreamStreamHandler(transport, toError, cancellation, resolve, reject));
  });
}

/** A whole answer's body parsed as JSON, as fetchJsonAnswer parses it. */
export async function readUpstreamJson(transport: JsonTransport, stream: UpstreamStream): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return parseJsonAnswer(transport, chunks);
}

/** Chunks held for a consumer slower than the upstream before undici is told to stop reading the socket. */
const QUEUED_CHUNKS = 4;
const QUEUED_BYTES = 64 * 1024;

/**
 * One streamed call's state, and the iterator over its body: a class, not a generator or a literal
 * of closures, so it dies young with the call (docs/development.md).
 */
class UpstreamStreamHandler implements Dispatcher.DispatchHandler, UpstreamStream {
  contentType = '';
  private abort: ((error?: Error) => void) | undefined;
  private readonly release: () => void;
  /** Set for a non-2xx answer: its body is read there, and cut. */
  private errorBody: ErrorBody | undefined;
  /** Until the headers: what settles openUpstreamStream (let go of then, rather than kept as long as the stream). */
  private resolveOpen: ((stream: UpstreamStream) => void) | undefined;
  private rejectOpen: ((error: SwitchyardError) => void) | undefined;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  /** What undici gave to restart reading after onData returned false; set while it is stopped. */
  private resume: (() => void) | undefined;
  private paused = false;
  /** A `next()` waiting for a chunk. */
  private waitResolve: ((result: IteratorResult<Buffer>) => void) | undefined;
  private waitReject: ((error: unknown) => void) | undefined;
  /** The body ended (completed, failed or given up by the consumer). */
  private ended = false;
  private failure: SwitchyardError | undefined;
  private released = false;
  /** One executor for every waiting `next()`, rather than a closure per chunk. */
  private readonly wait = (resolve: (result: IteratorResult<Buffer>) => void, reject: (error: unknown) => void): void => {
    this.waitResolve = resolve;
    this.waitReject = reject;
  };

  constructor(
    private readonly transport: JsonTransport,
    private readonly toError: (failure: HttpFailure) => SwitchyardError,
    private readonly cancellation: Cancellation,
    resolveOpen: (stream: UpstreamStream) => void,
    rejectOpen: (error: SwitchyardError) => void,
  ) {
    this.resolveOpen = resolveOpen;
    this.rejectOpen = rejectOpen;
    this.release = cancellation.onAbort(() => this.abort?.(new AbortedError()));
  }

  // ---- undici's side ----

  onConnect(abort: (error?: Error) => void): void {
    this.abort = abort;
    // Aborted between dispatch and now: onAbort does not call back for what already happened.
    if (this.cancellation.aborted) abort(new AbortedError());
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (status < 200 || status >= 300) {
      this.errorBody = new ErrorBody(status, rawHeaders, this.abort);
      return true;
    }
    this.resume = resume;
    this.contentType = contentTypeOf(rawHeaders);
    const resolve = this.resolveOpen;
    this.resolveOpen = undefined;
    this.rejectOpen = undefined;
    resolve?.(this);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.errorBody) {
      this.errorBody.push(chunk);
      return true;
    }
    if (this.ended) return true;
    const resolve = this.waitResolve;
    if (resolve) {
      this.waitResolve = undefined;
      this.waitReject = undefined;
      resolve({ value: chunk, done: false });
      return true;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queue.length > QUEUED_CHUNKS || this.queued > QUEUED_BYTES) {
      // undici stops reading the socket until `resume`; the upstream then feels TCP's backpressure.
      this.paused = true;
      return false;
    }
    return true;
  }

  onComplete(): void {
    this.finish();
    if (this.errorBody) return this.failOpen(this.errorBody.error(this.transport, this.toError));
    if (this.ended) return;
    this.ended = true;
    const resolve = this.waitResolve;
    if (resolve) {
      this.waitResolve = undefined;
      this.waitReject = undefined;
      resolve(STREAM_DONE);
    }
  }

  onError(error: Error): void {
    this.finish();
    // An error body cut short (out of time, too long, the connection lost) still says what happened, and so does the status.
    if (this.errorBody) return this.failOpen(this.errorBody.error(this.transport, this.toError));
    if (this.rejectOpen) return this.failOpen(mapTransportError(error, this.transport.source, this.cancellation));
    // Given up by the consumer (`return()`): nobody is left to tell.
    if (this.ended) return;
    this.ended = true;
    this.failure = mapTransportError(error, this.transport.source, this.cancellation);
    this.queue.length = 0;
    this.queued = 0;
    const reject = this.waitReject;
    if (reject) {
      this.waitResolve = undefined;
      this.waitReject = undefined;
      reject(this.failure);
    }
  }

  // ---- the consumer's side ----

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.queue.shift();
    if (chunk !== undefined) {
      this.queued -= chunk.length;
      if (this.paused && this.queue.length === 0) {
        this.paused = false;
        // Reads on synchronously: onData may run (and queue) before this returns.
        this.resume?.();
      }
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(STREAM_DONE);
    return new Promise(this.wait);
  }

  /** The consumer stops early (its client went away, a failover, a broken event): the request is aborted and its connection destroyed. */
  return(): Promise<IteratorResult<Buffer>> {
    if (!this.ended) {
      this.ended = true;
      this.queue.length = 0;
      this.queued = 0;
      this.abort?.();
      this.finish();
      const resolve = this.waitResolve;
      if (resolve) {
        this.waitResolve = undefined;
        this.waitReject = undefined;
        resolve(STREAM_DONE);
      }
    }
    return Promise.resolve(STREAM_DONE);
  }

  private failOpen(error: SwitchyardError): void {
    const reject = this.rejectOpen;
    this.resolveOpen = undefined;
    this.rejectOpen = undefined;
    reject?.(error);
  }

  /** Removes the cancellation's listener, once. */
  private finish(): void {
    if (this.released) return;
    this.released = true;
    this.release();
  }
}

/** The content-type header's value, read from undici's raw headers without building an object of them all. */
function contentTypeOf(rawHeaders: Buffer[]): string {
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index];
    if (name?.length === 12 && name.toString('latin1').toLowerCase() === 'content-type') return rawHeaders[index + 1]?.toString('latin1') ?? '';
  }
  return '';
}
