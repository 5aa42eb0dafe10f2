import type { Pool } from 'undici';
import { ProviderProtocolError, type ProviderErrorSource } from '../../errors/provider-errors.js';
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

/** What an error body's chunks say: its first ERROR_BODY_BYTES, decoded. */
export function errorBodyText(chunks: readonly Buffer[]): string {
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, ERROR_BODY_BYTES));
}

/** A whole answer's text parsed; invalid JSON is a protocol error quoting (redacted) what came. */
export function parseJsonAnswer(transport: JsonTransport, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderProtocolError(transport.source, `upstream answered with invalid JSON: ${transport.redact(text, UPSTREAM_SNIPPET_CHARS)}`);
  }
}
