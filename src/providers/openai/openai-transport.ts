import type { Dispatcher } from 'undici';
import type { Cancellation } from '../../util/cancellation.js';
import { postJson, type JsonTransport } from '../shared/json-transport.js';
import { createOpenAIHttpError } from './openai-error.js';
import { merged } from '../../util/merged.js';

/** POSTs a Chat Completions or embeddings body; a non-2xx status or a transport failure is thrown as a typed error. */
export function postOpenAI(transport: JsonTransport, body: string, stream: boolean, cancellation: Cancellation): Promise<Dispatcher.ResponseData> {
  return postJson(transport, body, merged(transport.headers, { accept: stream ? 'text/event-stream' : 'application/json' }), createOpenAIHttpError, cancellation);
}
