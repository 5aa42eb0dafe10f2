import type { Cancellation } from '../../util/cancellation.js';
import type { JsonTransport } from '../shared/json-transport.js';
import { fetchJsonAnswer } from '../shared/fetch-json-answer.js';
import { openUpstreamStream, type UpstreamStream } from '../shared/open-upstream-stream.js';
import { createOpenAIHttpError } from './openai-error.js';
import { merged } from '../../util/merged.js';

/** POSTs a body and reads the whole JSON answer; a non-2xx status or a transport failure is thrown typed; `headers`: the JSON call's, when the caller keeps them built. */
export function fetchOpenAIAnswer(transport: JsonTransport, body: string, cancellation: Cancellation, headers = openAIHeaders(transport.headers, false)): Promise<unknown> {
  return fetchJsonAnswer(transport, body, headers, createOpenAIHttpError, cancellation);
}

/** POSTs a streamed body (Chat Completions, Responses) and resolves at the answer's headers, with fetchOpenAIAnswer's errors; `headers`: the streamed call's, when the caller keeps them built. */
export function openOpenAIStream(transport: JsonTransport, body: string, cancellation: Cancellation, headers = openAIHeaders(transport.headers, true)): Promise<UpstreamStream> {
  return openUpstreamStream(transport, body, headers, createOpenAIHttpError, cancellation);
}

/** The provider's headers and what the call accepts: an event stream or JSON. */
export function openAIHeaders(headers: Readonly<Record<string, string>>, stream: boolean): Readonly<Record<string, string>> {
  return merged(headers, { accept: stream ? 'text/event-stream' : 'application/json' });
}
