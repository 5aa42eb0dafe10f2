import type { Dispatcher } from 'undici';
import type { Cancellation } from '../../util/cancellation.js';
import { postJson, type JsonTransport } from '../shared/json-transport.js';
import { createGeminiHttpError } from './gemini-error.js';

/** POSTs a Gemini body; a non-2xx status or a transport failure is thrown typed. */
export function postGemini(transport: JsonTransport, body: string, stream: boolean, cancellation: Cancellation): Promise<Dispatcher.ResponseData> {
  const headers = { ...transport.headers, accept: stream ? 'text/event-stream' : 'application/json' };
  return postJson(transport, body, headers, (failure) => createGeminiHttpError(failure), cancellation);
}
