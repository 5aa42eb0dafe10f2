import type { Dispatcher } from 'undici';
import type { Cancellation } from '../../util/cancellation.js';
import { postJson, type JsonTransport } from '../shared/json-transport.js';
import { fetchJsonAnswer } from '../shared/fetch-json-answer.js';
import { createOpenAIHttpError } from './openai-error.js';
import { merged } from '../../util/merged.js';

/** POSTs a Chat Completions or embeddings body; a non-2xx status or a transport failure is thrown as a typed error. */
export function postOpenAI(transport: JsonTransport, body: string, stream: boolean, cancellation: Cancellation): Promise<Dispatcher.ResponseData> {
  return postJson(transport, body, openAIHeaders(transport.headers, stream), createOpenAIHttpError, cancellation);
}

/** POSTs a body and reads the whole JSON answer, with postOpenAI's errors; `headers`: the JSON call's, when the caller keeps them built. */
export function fetchOpenAIAnswer(transport: JsonTransport, body: string, cancellation: Cancellation, headers = openAIHeaders(transport.headers, false)): Promise<unknown> {
  return fetchJsonAnswer(transport, body, headers, createOpenAIHttpError, cancellation);
}

/** The provider's headers and what the call accepts: an event stream or JSON. */
export function openAIHeaders(headers: Readonly<Record<string, string>>, stream: boolean): Readonly<Record<string, string>> {
  return merged(headers, { accept: stream ? 'text/event-stream' : 'application/json' });
}
