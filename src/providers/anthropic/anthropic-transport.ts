import type { Dispatcher } from 'undici';
import type { Cancellation } from '../../util/cancellation.js';
import { postJson, type JsonTransport } from '../shared/json-transport.js';
import { createAnthropicHttpError } from './anthropic-error.js';

/** POSTs a Messages body with the request's own extra headers (`anthropic-beta`); a non-2xx status or a transport failure is thrown typed. */
export function postAnthropic(
  transport: JsonTransport,
  body: string,
  extraHeaders: Readonly<Record<string, string>>,
  stream: boolean,
  cancellation: Cancellation,
): Promise<Dispatcher.ResponseData> {
  // The configured headers (the key among them) win over what a request carries, except that betas add up.
  const headers: Record<string, string> = { ...extraHeaders, ...transport.headers, accept: stream ? 'text/event-stream' : 'application/json' };
  const betas = [transport.headers['anthropic-beta'], extraHeaders['anthropic-beta']].filter((value) => value !== undefined && value !== '');
  if (betas.length > 1) headers['anthropic-beta'] = [...new Set(betas.join(',').split(',').map((beta) => beta.trim()))].join(',');
  return postJson(transport, body, headers, (failure) => createAnthropicHttpError(failure), cancellation);
}
