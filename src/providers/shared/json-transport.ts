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

/** UTF-8's byte order mark, which a fetch body's `text()` drops before decoding. */
const BOM = 0xfeff;

/**
 * A whole answer's body, as the chunks it came in, decoded as UTF-8 (a leading byte order mark
 * dropped) and parsed; invalid JSON is a protocol error quoting (redacted) what came.
 */
export function parseJsonAnswer(transport: JsonTransport, chunks: readonly Buffer[]): unknown {
  const [only] = chunks;
  const decoded = chunks.length === 1 && only ? only.toString('utf8') : Buffer.concat(chunks).toString('utf8');
  const text = decoded.charCodeAt(0) === BOM ? decoded.slice(1) : decoded;
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderProtocolError(transport.source, `upstream answered with invalid JSON: ${transport.redact(text, UPSTREAM_SNIPPET_CHARS)}`);
  }
}
