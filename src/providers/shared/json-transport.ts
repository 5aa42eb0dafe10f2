import { EventEmitter } from 'node:events';
import type { Dispatcher, Pool } from 'undici';
import type { SwitchyardError } from '../../errors/switchyard-error.js';
import { ProviderProtocolError, type ProviderErrorSource } from '../../errors/provider-errors.js';
import { AbortedError } from '../../errors/request-errors.js';
import type { Cancellation } from '../../util/cancellation.js';
import { mapTransportError } from './map-transport-error.js';
import type { Redact } from './secret-redactor.js';

/** What every call to one JSON-over-HTTP model endpoint needs; built once per model at startup. */
export type JsonTransport = {
  pool: Pool;
  /** Path on the pool's origin, with the base URL's prefix and query. */
  path: string;
  /** Includes the credentials; never logged. */
  headers: Readonly<Record<string, string>>;
  redact: Redact;
  source: ProviderErrorSource;
};

/** What a non-2xx answer was, for a wire format's error reader to turn into a typed error. */
export type HttpFailure = {
  source: ProviderErrorSource;
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  bodyText: string;
  redact: Redact;
};

/** An error body as JSON, or undefined when it is not JSON (an HTML page, a proxy's text). */
export function errorJson(failure: HttpFailure): unknown {
  try {
    return JSON.parse(failure.bodyText);
  } catch {
    return undefined;
  }
}

/** How much of a body that is not an error of the wire format (an HTML page, a proxy's text) an error quotes. */
export const UPSTREAM_SNIPPET_CHARS = 300;

/** How much of an error body is read, and for how long: any real one fits; an endless or trickling one is cut, not waited for. */
export const ERROR_BODY_BYTES = 64 * 1024;
export const ERROR_BODY_MS = 2_000;

/**
 * undici also takes an EventEmitter as a request's signal. Unlike an AbortSignal (see
 * util/cancellation.ts) it dies young with the request, and so does everything undici's listener
 * on it reaches. It follows `cancellation` until the response's body is done with.
 */
function undiciSignal(cancellation: Cancellation): { signal: EventEmitter; release: () => void } {
  const signal = new EventEmitter();
  const release = cancellation.onAbort(() => signal.emit('abort'));
  return { signal, release };
}

/** POSTs a JSON body with these headers; a non-2xx status (through `toError`) or a transport failure is thrown typed. */
export async function postJson(
  transport: JsonTransport,
  body: string,
  headers: Readonly<Record<string, string>>,
  toError: (failure: HttpFailure) => SwitchyardError,
  cancellation: Cancellation,
): Promise<Dispatcher.ResponseData> {
  if (cancellation.aborted) throw new AbortedError();
  const { signal, release } = undiciSignal(cancellation);
  let response: Dispatcher.ResponseData;
  try {
    response = await transport.pool.request({ path: transport.path, method: 'POST', headers, body, signal });
  } catch (error) {
    release();
    throw mapTransportError(error, transport.source, cancellation);
  }
  response.body.once('close', release);
  if (response.statusCode < 200 || response.statusCode >= 300) {
    const bodyText = await readErrorBody(response.body);
    throw toError({ source: transport.source, status: response.statusCode, headers: response.headers, bodyText, redact: transport.redact });
  }
  return response;
}

/**
 * The start of an error body: at most ERROR_BODY_BYTES, within ERROR_BODY_MS. The rest is not
 * read, and the connection is destroyed rather than drained.
 */
async function readErrorBody(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const timer = setTimeout(() => body.destroy(), ERROR_BODY_MS);
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      // Leaving the loop destroys the body, and with it the connection.
      if (size >= ERROR_BODY_BYTES) break;
    }
  } catch {
    // Cut, out of time or aborted: what came before still says what happened, and so does the status.
  } finally {
    clearTimeout(timer);
  }
  return errorBodyText(chunks);
}

/** What an error body's chunks say: its first ERROR_BODY_BYTES, decoded. */
export function errorBodyText(chunks: readonly Buffer[]): string {
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, ERROR_BODY_BYTES));
}

/** Reads a whole JSON answer; invalid JSON is a protocol error quoting (redacted) what came. */
export async function readJsonAnswer(transport: JsonTransport, response: Dispatcher.ResponseData, cancellation: Cancellation): Promise<unknown> {
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    throw mapTransportError(error, transport.source, cancellation);
  }
  return parseJsonAnswer(transport, text);
}

/** A whole answer's text parsed; invalid JSON is a protocol error quoting (redacted) what came. */
export function parseJsonAnswer(transport: JsonTransport, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderProtocolError(transport.source, `upstream answered with invalid JSON: ${transport.redact(text, UPSTREAM_SNIPPET_CHARS)}`);
  }
}
