import type { Cancellation } from '../../util/cancellation.js';
import type { JsonTransport } from '../shared/json-transport.js';
import { openUpstreamStream, type UpstreamStream } from '../shared/open-upstream-stream.js';
import { fetchJsonAnswer } from '../shared/fetch-json-answer.js';
import { merged } from '../../util/merged.js';
import { createGeminiHttpError } from './gemini-error.js';

/** POSTs a streamed Gemini body and resolves at the answer's headers; a non-2xx status or a transport failure is thrown typed. */
export function openGeminiStream(transport: JsonTransport, body: string, cancellation: Cancellation): Promise<UpstreamStream> {
  return openUpstreamStream(transport, body, geminiHeaders(transport, true), createGeminiHttpError, cancellation);
}

/** POSTs a body and reads the whole JSON answer, with openGeminiStream's errors; `headers`: the JSON call's, when the caller keeps them built. */
export function fetchGeminiAnswer(transport: JsonTransport, body: string, cancellation: Cancellation, headers = geminiHeaders(transport, false)): Promise<unknown> {
  return fetchJsonAnswer(transport, body, headers, createGeminiHttpError, cancellation);
}

/** The configured headers (the key among them) and what the call accepts: an event stream or JSON. */
export function geminiHeaders(transport: JsonTransport, stream: boolean): Readonly<Record<string, string>> {
  return merged(transport.headers, { accept: stream ? 'text/event-stream' : 'application/json' });
}
