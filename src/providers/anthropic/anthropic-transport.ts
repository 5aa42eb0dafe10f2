import type { Cancellation } from '../../util/cancellation.js';
import type { JsonTransport } from '../shared/json-transport.js';
import { openUpstreamStream, type UpstreamStream } from '../shared/open-upstream-stream.js';
import { fetchJsonAnswer } from '../shared/fetch-json-answer.js';
import { createAnthropicHttpError } from './anthropic-error.js';

/** POSTs a streamed Messages body with the request's own extra headers (`anthropic-beta`) and resolves at the answer's headers; a non-2xx status or a transport failure is thrown typed. */
export function openAnthropicStream(
  transport: JsonTransport,
  body: string,
  extraHeaders: Readonly<Record<string, string>>,
  cancellation: Cancellation,
): Promise<UpstreamStream> {
  return openUpstreamStream(transport, body, anthropicHeaders(transport, extraHeaders, true), createAnthropicHttpError, cancellation);
}

/** POSTs a Messages body and reads the whole JSON answer, with openAnthropicStream's headers and errors. */
export function fetchAnthropicAnswer(
  transport: JsonTransport,
  body: string,
  extraHeaders: Readonly<Record<string, string>>,
  cancellation: Cancellation,
): Promise<unknown> {
  return fetchJsonAnswer(transport, body, anthropicHeaders(transport, extraHeaders, false), createAnthropicHttpError, cancellation);
}

/** A call's headers: the request's extra ones under the configured ones, and what the call accepts (an event stream or JSON). */
function anthropicHeaders(transport: JsonTransport, extraHeaders: Readonly<Record<string, string>>, stream: boolean): Readonly<Record<string, string>> {
  // The configured headers (the key among them) win over what a request carries, except that betas add up.
  // Object.assign, not a literal that begins with a spread: see docs/development.md, "Objects on the request path".
  const headers: Record<string, string> = Object.assign({}, extraHeaders, transport.headers);
  headers['accept'] = stream ? 'text/event-stream' : 'application/json';
  const betas = [transport.headers['anthropic-beta'], extraHeaders['anthropic-beta']].filter((value) => value !== undefined && value !== '');
  if (betas.length > 1) headers['anthropic-beta'] = [...new Set(betas.join(',').split(',').map((beta) => beta.trim()))].join(',');
  return headers;
}
