import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { ForbiddenError } from '../errors/request-errors.js';
import { quoteInput } from '../util/quote-input.js';

/** What a browser script on an allowed origin may read of a response: the contract headers and the retry hints. */
export const EXPOSED_HEADERS = [
  'x-switchyard-trace-id',
  'x-switchyard-router',
  'x-switchyard-route',
  'x-switchyard-model',
  'x-switchyard-attempts',
  'x-switchyard-cost-usd',
  'x-switchyard-usage-estimated',
  'x-should-retry',
  'retry-after',
  'retry-after-ms',
] as const;

/** Body types an HTML form sends from any site without a CORS preflight. */
const FORM_CONTENT_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

const DEFAULT_ALLOWED_HEADERS = 'authorization, content-type, x-api-key';
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/**
 * Refuses browser requests a web page could use to spend the operator's money or read traces
 * through a gateway it can reach (on localhost, on the LAN), which a key does not stop when there
 * is none:
 * - cross-origin: an `Origin` that is not the request's own `Host`, or `Sec-Fetch-Site:
 *   cross-site`/`same-site`, unless the origin is in `cors.allowedOrigins`; then the response
 *   carries the CORS headers and a preflight `OPTIONS` is answered here (returns true);
 * - a POST with a body type an HTML form can send, from a browser (an `Origin`, a `Sec-Fetch-Site`
 *   or a browser User-Agent: old browsers post forms without `Origin`). API clients are not
 *   browsers and are unaffected; `fetch` always sends `Origin` on a POST.
 */
export function createOriginCheck(cors: { allowedOrigins: readonly string[] } | undefined): (request: IncomingMessage, response: ServerResponse) => boolean {
  const anyOrigin = cors?.allowedOrigins.includes('*') ?? false;
  const allowed = new Set(cors?.allowedOrigins ?? []);
  const allows = (origin: string): boolean => origin !== 'null' && (anyOrigin || allowed.has(origin));

  return (request, response) => {
    const headers = request.headers;
    const origin = headers.origin;
    const site = headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site' || (origin !== undefined && !isSameOrigin(origin, headers.host))) {
      if (origin === undefined || !allows(origin)) throw crossOriginError(origin, cors !== undefined);
      response.setHeader('access-control-allow-origin', origin);
      response.setHeader('vary', 'Origin');
      if (request.method === 'OPTIONS' && headers['access-control-request-method'] !== undefined) {
        answerPreflight(headers, response);
        return true;
      }
      response.setHeader('access-control-expose-headers', EXPOSED_HEADERS.join(', '));
    }
    if (request.method === 'POST' && isFormContentType(headers['content-type']) && isFromBrowser(headers)) {
      throw new ForbiddenError(
        `A browser POST with Content-Type ${quoteInput(headers['content-type'] ?? '')} is refused: an HTML form on any site can send that type. Send the body as application/json.`,
        'form_content_type',
      );
    }
    return false;
  };
}

/** Origin and Host name the same server: compared as host and port, the scheme's default port left out of both. */
export function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  const match = /^(https?):\/\/([^/?#]+)$/i.exec(origin);
  if (!match) return false;
  const defaultPort = match[1]?.toLowerCase() === 'https' ? ':443' : ':80';
  const authority = (value: string): string => {
    const lower = value.toLowerCase();
    return lower.endsWith(defaultPort) ? lower.slice(0, -defaultPort.length) : lower;
  };
  return authority(match[2] ?? '') === authority(host);
}

function isFormContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(';');
  return FORM_CONTENT_TYPES.has((semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase());
}

/** `Sec-Fetch-Mode` is no sign: Node's fetch sends it too. Every browser's User-Agent starts with `Mozilla/`. */
function isFromBrowser(headers: IncomingHttpHeaders): boolean {
  return headers.origin !== undefined || headers['sec-fetch-site'] !== undefined || headers['user-agent']?.startsWith('Mozilla/') === true;
}

function answerPreflight(headers: IncomingHttpHeaders, response: ServerResponse): void {
  const requested = headers['access-control-request-headers'];
  const preflight: Record<string, string> = {
    // DELETE: a stored response (`DELETE /v1/responses/{id}`).
    'access-control-allow-methods': 'GET, POST, DELETE',
    // The origin is trusted, and browser SDKs send headers of their own (x-stainless-*): allow what it asks for.
    'access-control-allow-headers': requested !== undefined && requested.length <= 2000 && HEADER_LIST.test(requested) ? requested : DEFAULT_ALLOWED_HEADERS,
    'access-control-max-age': '600',
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    'content-length': '0',
  };
  // Chrome asks before a public page may reach a private address; an allowed origin may.
  if (headers['access-control-request-private-network'] === 'true') preflight['access-control-allow-private-network'] = 'true';
  response.writeHead(204, preflight);
  response.end();
}

function crossOriginError(origin: string | undefined, corsConfigured: boolean): ForbiddenError {
  const from = origin === undefined ? 'a page on another site' : `origin ${quoteInput(origin)}`;
  const remedy = corsConfigured
    ? `${origin === undefined ? 'the request names no origin' : 'it is not in server.cors.allowed_origins'}.`
    : 'browsers may call this API only from its own origin; to allow a web app, list its origin in server.cors.allowed_origins.';
  return new ForbiddenError(`Cross-origin request from ${from} refused: ${remedy}`, 'cross_origin');
}
