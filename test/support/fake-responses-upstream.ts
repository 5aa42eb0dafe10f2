import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { FakeScript, startFakeHttpServer, type ScriptedFake } from './fake-http-server.js';
import type OpenAI from 'openai';
import { fakeTokens } from './fake-prompt-cache.js';

/**
 * A fake OpenAI Responses API upstream: a real HTTP server on 127.0.0.1 that speaks `POST
 * /v1/responses` as JSON and as the typed SSE stream (`event:` lines, a `sequence_number` on every
 * event, no `[DONE]`), plus `GET`/`DELETE /v1/responses/{id}` for what it stored. It keeps the
 * responses it stored (`store` not false) and expands `previous_response_id` from them, as the API
 * does, recording that it did. Scriptable per test like `fake-openai-upstream.ts`; the shapes are
 * typed with the `openai` package's own types, and `fake-responses-upstream.test.ts` proves them
 * with its client. Faults on demand: OpenAI's error bodies and statuses with `retry-after`, cut
 * streams, an `error` event or `response.failed` mid-stream, slow first bytes, dropped connections.
 */

type Responses = OpenAI.Responses.Response;

/** What goes on the wire: `output_text` is computed by the SDK, the API never sends it. */
export type WireResponse = Omit<Responses, 'output_text'>;

export type FakeResponsesOutput =
  | { type: 'text'; text: string }
  | { type: 'function_call'; callId: string; name: string; arguments: string }
  /** Summaries are sent only when the request asks for them (`reasoning.summary`), `encrypted_content` only with `include: ['reasoning.encrypted_content']`. */
  | { type: 'reasoning'; summary: string[]; encryptedContent?: string };

/** Usage as the fake reports it; what is not given is computed from the fake's token estimate. */
export type FakeResponsesUsage = { input_tokens: number; cached_tokens: number; cache_write_tokens: number; output_tokens: number; reasoning_tokens: number };

/** OpenAI's error codes for a `response.failed` (the `ResponseError` codes). */
export type ResponseErrorCode = OpenAI.Responses.ResponseError['code'];

export type FakeResponsesAnswer =
  /** The normal answer: a Response, as JSON or as the SSE stream when the request says `stream: true`. */
  | {
      type: 'response';
      /** Default: one message, `Reply from <model>.` */
      output?: FakeResponsesOutput[];
      /** Replaces parts of the computed usage; `null` reports none. */
      usage?: Partial<FakeResponsesUsage> | null;
      /** Ends the response `incomplete` for this reason (a `max_output_tokens` below the answer does so by itself). */
      incomplete?: 'max_output_tokens' | 'content_filter';
      /** The `model` of the answer; defaults to the requested model. */
      model?: string;
      headers?: Record<string, string>;
      /** Milliseconds before the status line (a slow first byte). */
      delayMs?: number;
      /** Streams: headers go out at once, then nothing for this long before `response.created`. */
      firstEventDelayMs?: number;
      /** Streams: milliseconds between events. */
      eventDelayMs?: number;
      /** Streams: the connection breaks after this many events. */
      cutAfterEvents?: number;
      /** Streams: after this many events, an `error` event, then the stream ends. */
      errorAfterEvents?: { after: number; code?: string; message?: string };
      /** Streams: after this many events, `response.failed` carrying the items finished so far, then the stream ends. */
      failAfterEvents?: { after: number; code?: ResponseErrorCode; message?: string };
    }
  /** An OpenAI error body (`{error: {message, type, param, code}}`) with this status; a 429 carries `retry-after`. */
  | {
      type: 'error';
      status: number;
      message?: string;
      /** Default by status: `invalid_request_error`, `requests` (429), `server_error` (5xx). */
      errorType?: string;
      code?: string | null;
      param?: string | null;
      /** Seconds for `retry-after` (default 1 on a 429); `null` sends none. */
      retryAfterSeconds?: number | null;
      headers?: Record<string, string>;
      delayMs?: number;
    }
  /** Any status, headers and body, verbatim. */
  | { type: 'raw'; status: number; headers?: Record<string, string>; body: string; delayMs?: number }
  /** SSE events sent verbatim as `event: <type>` and `data: <JSON>`, then the stream ends or breaks. */
  | { type: 'events'; events: Array<Record<string, unknown> & { type: string }>; eventDelayMs?: number; end?: 'close' | 'destroy' }
  /** Accept the request, then destroy the socket without answering. */
  | { type: 'drop'; delayMs?: number };

export type RecordedResponsesRequest = {
  method: string;
  /** The path with its query. */
  path: string;
  /** The path without its query. */
  pathname: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined if it was not JSON). */
  body: Record<string, unknown> | undefined;
  /** The `x-request-id` the fake answered with. */
  requestId: string;
  /** `POST /v1/responses`: the input the model saw, as items: the stored conversation of `previous_response_id`, then this request's input. */
  input?: OpenAI.Responses.ResponseInputItem[];
  /** The `previous_response_id` the fake expanded the input from. */
  expandedFrom?: string;
  /** The Response the fake answered with (final state). */
  response?: WireResponse;
  /** Resolves when the server side of this request closes: `aborted` if the client went away first. */
  closed: Promise<'completed' | 'aborted'>;
  /** Stream events handed to the socket so far. */
  eventsWritten: number;
};

export type ResponsesResponder = (request: RecordedResponsesRequest) => FakeResponsesAnswer;

export type FakeResponsesOptions = {
  /** The key it accepts as `Authorization: Bearer`; without it, any key does. A request with none gets 401 either way. */
  apiKey?: string;
};

/** `url` includes `/v1`, as the `openai` client's `baseURL`; the scripts answer `POST /v1/responses` (default `{ type: 'response' }`). */
export type FakeResponsesUpstream = ScriptedFake<RecordedResponsesRequest, FakeResponsesAnswer> & {
  /** Ids of the responses stored (and not deleted). */
  storedIds(): string[];
};

type Stored = { input: OpenAI.Responses.ResponseInputItem[]; response: WireResponse };

type State = { stored: Map<string, Stored>; encrypted: Set<string>; sequence: number };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function defaultResponsesReply(model: string): string {
  return `Reply from ${model}.`;
}

export async function startFakeResponsesUpstream(options: FakeResponsesOptions = {}): Promise<FakeResponsesUpstream> {
  const requests: RecordedResponsesRequest[] = [];
  const script = new FakeScript<RecordedResponsesRequest, FakeResponsesAnswer>(() => ({ type: 'response' }));
  const state: State = { stored: new Map(), encrypted: new Set(), sequence: 0 };

  const server = await startFakeHttpServer(async ({ method, path, headers, text, body, closed }, response) => {
    const recorded: RecordedResponsesRequest = {
      method,
      path,
      pathname: path.split('?')[0] ?? '',
      headers,
      body,
      requestId: `req_fake${String(++state.sequence).padStart(6, '0')}`,
      closed,
      eventsWritten: 0,
    };
    requests.push(recorded);
    response.setHeader('x-request-id', recorded.requestId);
    const refusal = authRefusal(recorded, options.apiKey) ?? routeRefusal(recorded);
    if (refusal) return sendError(response, refusal);
    if (recorded.method !== 'POST') return storedResponse(recorded, response, state);
    const invalid = bodyRefusal(recorded, text, state);
    if (invalid) return sendError(response, invalid);
    await answer(script.next(recorded), recorded, response, state);
  });

  return {
    url: `${server.origin}/v1`,
    requests,
    respond: (next) => script.respond(next),
    enqueue: (...answers) => script.enqueue(...answers),
    requestsFor(model) {
      return requests.filter((request) => request.method === 'POST' && request.pathname === '/v1/responses' && request.body?.['model'] === model);
    },
    storedIds() {
      return [...state.stored.keys()];
    },
    close: server.close,
  };
}

type ErrorAnswer = Extract<FakeResponsesAnswer, { type: 'error' }>;

function authRefusal(request: RecordedResponsesRequest, apiKey: string | undefined): ErrorAnswer | undefined {
  const header = request.headers['authorization'];
  const key = (Array.isArray(header) ? header[0] : header)?.match(/^Bearer (.+)$/)?.[1];
  if (key === undefined) {
    return {
      type: 'error',
      status: 401,
      message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    };
  }
  // The API quotes a masked key; the fake quotes none, so no test log ever holds one.
  if (apiKey !== undefined && key !== apiKey) return { type: 'error', status: 401, message: 'Incorrect API key provided.', code: 'invalid_api_key' };
  return undefined;
}

const ITEM_PATH = /^\/v1\/responses\/[^/]+$/;

function routeRefusal(request: RecordedResponsesRequest): ErrorAnswer | undefined {
  const { method, pathname } = request;
  if (method === 'POST' && pathname === '/v1/responses') return undefined;
  if ((method === 'GET' || method === 'DELETE') && ITEM_PATH.test(pathname)) return undefined;
  return { type: 'error', status: 404, message: `Invalid URL (${method} ${pathname})` };
}

function storedResponse(request: RecordedResponsesRequest, response: ServerResponse, state: State): void {
  const id = decodeURIComponent(request.pathname.slice('/v1/responses/'.length));
  const stored = state.stored.get(id);
  if (!stored) return sendError(response, { type: 'error', status: 404, message: `Response with id '${id}' not found.` });
  if (request.method === 'GET') return sendJson(response, 200, stored.response);
  state.stored.delete(id);
  sendJson(response, 200, { id, object: 'response', deleted: true });
}

/** What the API refuses before a model runs: a body that is not JSON, no model, an unknown previous response, a tool output without its call, reasoning it did not issue. */
function bodyRefusal(request: RecordedResponsesRequest, text: string, state: State): ErrorAnswer | undefined {
  const body = request.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { type: 'error', status: 400, message: text.trim() === '' ? 'Missing request body.' : 'We could not parse the JSON body of your request.' };
  }
  if (typeof body['model'] !== 'string') return { type: 'error', status: 400, message: "Missing required parameter: 'model'.", param: 'model', code: 'missing_required_parameter' };
  const previous = body['previous_response_id'];
  let history: OpenAI.Responses.ResponseInputItem[] = [];
  if (typeof previous === 'string') {
    const stored = state.stored.get(previous);
    if (!stored) {
      return { type: 'error', status: 404, message: `Previous response with id '${previous}' not found.`, param: 'previous_response_id', code: 'previous_response_not_found' };
    }
    history = [...stored.input, ...(stored.response.output as OpenAI.Responses.ResponseInputItem[])];
    request.expandedFrom = previous;
  }
  const input = [...history, ...inputItems(body['input'])];
  request.input = input;
  const calls = new Set(input.flatMap((item) => (item.type === 'function_call' ? [item.call_id] : [])));
  for (const item of input) {
    if (item.type === 'function_call_output' && !calls.has(item.call_id)) {
      return { type: 'error', status: 400, message: `No tool call found for function call output with call_id ${item.call_id}.`, param: 'input' };
    }
    if (item.type === 'reasoning' && typeof item.encrypted_content === 'string' && !state.encrypted.has(item.encrypted_content)) {
      return { type: 'error', status: 400, message: `The encrypted content for item ${item.id} could not be verified.`, code: 'invalid_encrypted_content' };
    }
  }
  return undefined;
}

/** A string input is one user message, as the API lists it among a response's input items. */
function inputItems(input: unknown): OpenAI.Responses.ResponseInputItem[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] }];
  return Array.isArray(input) ? (input as OpenAI.Responses.ResponseInputItem[]) : [];
}

async function answer(scripted: FakeResponsesAnswer, request: RecordedResponsesRequest, response: ServerResponse, state: State): Promise<void> {
  if ('delayMs' in scripted && scripted.delayMs) await sleep(scripted.delayMs);
  switch (scripted.type) {
    case 'drop':
      response.socket?.destroy();
      return;
    case 'raw':
      response.writeHead(scripted.status, scripted.headers ?? { 'content-type': 'application/json' });
      response.end(scripted.body);
      return;
    case 'error':
      sendError(response, scripted);
      return;
    case 'events':
      response.writeHead(200, SSE_HEADERS);
      for (const event of scripted.events) {
        if (scripted.eventDelayMs) await sleep(scripted.eventDelayMs);
        await write(response, `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
        request.eventsWritten++;
      }
      if (scripted.end === 'destroy') {
        await sleep(20);
        response.socket?.destroy();
      } else response.end();
      return;
    case 'response': {
      const final = responseOf(scripted, request, state);
      request.response = final;
      if (request.body?.['stream'] === true) await streamResponse(scripted, final, request, response);
      else sendJson(response, 200, final, scripted.headers);
      // Stored as it ended (a `response.failed` replaces the final state).
      if (request.body?.['store'] !== false) state.stored.set(final.id, { input: request.input ?? [], response: request.response });
    }
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

const DEFAULT_ERROR_MESSAGE: Record<number, string> = {
  400: 'Invalid request.',
  429: 'Rate limit reached for requests. Please try again in 1s.',
  500: 'The server had an error while processing your request. Sorry about that!',
  503: 'The engine is currently overloaded, please try again later.',
};

function sendError(response: ServerResponse, scripted: ErrorAnswer): void {
  const retryAfter = scripted.retryAfterSeconds === undefined ? (scripted.status === 429 ? 1 : null) : scripted.retryAfterSeconds;
  const errorType = scripted.errorType ?? (scripted.status === 429 ? 'requests' : scripted.status >= 500 ? 'server_error' : 'invalid_request_error');
  const code = scripted.code === undefined ? (scripted.status === 429 ? 'rate_limit_exceeded' : null) : scripted.code;
  const message = scripted.message ?? DEFAULT_ERROR_MESSAGE[scripted.status] ?? `fake error ${scripted.status}`;
  const headers = { ...(retryAfter === null ? {} : { 'retry-after': String(retryAfter) }), ...scripted.headers };
  sendJson(response, scripted.status, { error: { message, type: errorType, param: scripted.param ?? null, code } }, headers);
}

type ResponseAnswer = Extract<FakeResponsesAnswer, { type: 'response' }>;

const CREATED_AT = 1_767_225_600;

/** `resp_fake000007` for the response of request 7; its output items add their index (`msg_fake000007_0`). */
function idOf(prefix: string, request: RecordedResponsesRequest, index?: number): string {
  return `${prefix}_fake${request.requestId.slice('req_fake'.length)}${index === undefined ? '' : `_${index}`}`;
}

/** The default encrypted reasoning: opaque to the client, unique per item. */
function encryptedOf(id: string): string {
  return `gAAAAAB${Buffer.from(`fake-reasoning:${id}`).toString('base64')}`;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The final Response: output items from the script, cut at `max_output_tokens`, usage computed where not scripted. */
function responseOf(scripted: ResponseAnswer, request: RecordedResponsesRequest, state: State): WireResponse {
  const body = request.body ?? {};
  const model = String(body['model']);
  const reasoning = asRecord(body['reasoning']);
  const withSummary = typeof reasoning?.['summary'] === 'string';
  const include = Array.isArray(body['include']) ? body['include'] : [];
  const withEncrypted = include.includes('reasoning.encrypted_content');
  const maxOutput = typeof body['max_output_tokens'] === 'number' ? body['max_output_tokens'] : undefined;
  let budget = maxOutput ?? Infinity;
  let reasoningTokens = 0;
  let outputTokens = 0;
  let truncated = false;

  const output = (scripted.output ?? [{ type: 'text', text: defaultResponsesReply(model) }]).map((part, index): OpenAI.Responses.ResponseOutputItem => {
    switch (part.type) {
      case 'reasoning': {
        const id = idOf('rs', request, index);
        const tokens = part.summary.reduce((sum, text) => sum + fakeTokens(text), 0) || 1;
        reasoningTokens += tokens;
        outputTokens += tokens;
        budget -= tokens;
        const item: OpenAI.Responses.ResponseReasoningItem = { id, type: 'reasoning', summary: withSummary ? part.summary.map((text) => ({ type: 'summary_text', text })) : [] };
        if (withEncrypted) {
          item.encrypted_content = part.encryptedContent ?? encryptedOf(id);
          state.encrypted.add(item.encrypted_content);
        }
        return item;
      }
      case 'function_call':
        outputTokens += fakeTokens(part.arguments);
        budget -= fakeTokens(part.arguments);
        return { id: idOf('fc', request, index), type: 'function_call', status: 'completed', arguments: part.arguments, call_id: part.callId, name: part.name };
      case 'text': {
        const room = Math.max(0, budget) * 4;
        const text = part.text.length > room ? part.text.slice(0, room) : part.text;
        truncated ||= text !== part.text;
        outputTokens += fakeTokens(text);
        budget -= fakeTokens(text);
        return {
          id: idOf('msg', request, index),
          type: 'message',
          status: text === part.text ? 'completed' : 'incomplete',
          role: 'assistant',
          content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
        };
      }
    }
  });

  const incomplete = scripted.incomplete ?? (truncated ? 'max_output_tokens' : undefined);
  const inputTokens = fakeTokens(request.input ?? []) + fakeTokens(body['instructions'] ?? '');
  const override = scripted.usage;
  const usage: OpenAI.Responses.ResponseUsage | undefined =
    override === null
      ? undefined
      : {
          input_tokens: override?.input_tokens ?? inputTokens,
          input_tokens_details: { cached_tokens: override?.cached_tokens ?? 0, cache_write_tokens: override?.cache_write_tokens ?? 0 },
          output_tokens: override?.output_tokens ?? (maxOutput === undefined ? outputTokens : Math.min(outputTokens, maxOutput)),
          output_tokens_details: { reasoning_tokens: override?.reasoning_tokens ?? reasoningTokens },
          total_tokens: 0,
        };
  if (usage) usage.total_tokens = usage.input_tokens + usage.output_tokens;

  const final: WireResponse = {
    id: idOf('resp', request),
    object: 'response',
    created_at: CREATED_AT,
    status: incomplete ? 'incomplete' : 'completed',
    background: false,
    completed_at: incomplete ? null : CREATED_AT + 1,
    error: null,
    incomplete_details: incomplete ? { reason: incomplete } : null,
    instructions: (body['instructions'] as Responses['instructions'] | undefined) ?? null,
    max_output_tokens: maxOutput ?? null,
    metadata: (asRecord(body['metadata']) as Responses['metadata'] | undefined) ?? {},
    model: scripted.model ?? model,
    output,
    parallel_tool_calls: body['parallel_tool_calls'] !== false,
    previous_response_id: typeof body['previous_response_id'] === 'string' ? body['previous_response_id'] : null,
    prompt_cache_key: typeof body['prompt_cache_key'] === 'string' ? body['prompt_cache_key'] : null,
    reasoning: { effort: (reasoning?.['effort'] as OpenAI.Reasoning['effort'] | undefined) ?? null, summary: (reasoning?.['summary'] as OpenAI.Reasoning['summary'] | undefined) ?? null },
    service_tier: 'default',
    temperature: typeof body['temperature'] === 'number' ? body['temperature'] : 1,
    text: { format: (asRecord(body['text'])?.['format'] as OpenAI.Responses.ResponseFormatTextConfig | undefined) ?? { type: 'text' } },
    tool_choice: (body['tool_choice'] as Responses['tool_choice'] | undefined) ?? 'auto',
    tools: (body['tools'] as Responses['tools'] | undefined) ?? [],
    top_p: typeof body['top_p'] === 'number' ? body['top_p'] : 1,
    truncation: 'disabled',
  };
  if (usage) final.usage = usage;
  return final;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

type Lifecycle =
  | OpenAI.Responses.ResponseCreatedEvent
  | OpenAI.Responses.ResponseInProgressEvent
  | OpenAI.Responses.ResponseCompletedEvent
  | OpenAI.Responses.ResponseIncompleteEvent
  | OpenAI.Responses.ResponseFailedEvent;

/** A stream event before its `sequence_number`, which is its position in the stream, given as it is written. */
type StreamEvent = DistributiveOmit<Exclude<OpenAI.Responses.ResponseStreamEvent, Lifecycle>, 'sequence_number'> | { type: Lifecycle['type']; response: WireResponse };

/** The events of a streamed Response, in the API's order: created, in_progress, each item's added/parts/deltas/done, then completed or incomplete. */
function streamEvents(final: WireResponse): StreamEvent[] {
  const { usage: _usage, ...rest } = final;
  const opening: WireResponse = { ...rest, status: 'in_progress', completed_at: null, incomplete_details: null, output: [] };
  const events: StreamEvent[] = [
    { type: 'response.created', response: opening },
    { type: 'response.in_progress', response: opening },
  ];
  final.output.forEach((item, output_index) => {
    switch (item.type) {
      case 'reasoning': {
        const item_id = item.id;
        events.push({ type: 'response.output_item.added', output_index, item: { id: item.id, type: 'reasoning', summary: [] } });
        item.summary.forEach((part, summary_index) => {
          const at = { item_id, output_index, summary_index };
          events.push({ type: 'response.reasoning_summary_part.added', ...at, part: { type: 'summary_text', text: '' } });
          for (const delta of pieces(part.text)) events.push({ type: 'response.reasoning_summary_text.delta', ...at, delta });
          events.push({ type: 'response.reasoning_summary_text.done', ...at, text: part.text });
          events.push({ type: 'response.reasoning_summary_part.done', ...at, part });
        });
        break;
      }
      case 'message': {
        events.push({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', content: [] } });
        item.content.forEach((part, content_index) => {
          const at = { item_id: item.id, output_index, content_index };
          if (part.type !== 'output_text') return;
          events.push({ type: 'response.content_part.added', ...at, part: { ...part, text: '' } });
          for (const delta of pieces(part.text)) events.push({ type: 'response.output_text.delta', ...at, delta, logprobs: [] });
          events.push({ type: 'response.output_text.done', ...at, text: part.text, logprobs: [] });
          events.push({ type: 'response.content_part.done', ...at, part });
        });
        break;
      }
      case 'function_call': {
        const at = { item_id: item.id ?? '', output_index };
        events.push({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', arguments: '' } });
        const half = Math.ceil(item.arguments.length / 2);
        for (const delta of [item.arguments.slice(0, half), item.arguments.slice(half)]) events.push({ type: 'response.function_call_arguments.delta', ...at, delta });
        events.push({ type: 'response.function_call_arguments.done', ...at, name: item.name, arguments: item.arguments });
        break;
      }
      default:
        events.push({ type: 'response.output_item.added', output_index, item });
    }
    events.push({ type: 'response.output_item.done', output_index, item });
  });
  events.push({ type: final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', response: final });
  return events;
}

/** Words with their trailing space, so the deltas concatenate back to the text. */
function pieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

async function streamResponse(scripted: ResponseAnswer, final: WireResponse, request: RecordedResponsesRequest, response: ServerResponse): Promise<void> {
  const events = streamEvents(final);
  const finished: OpenAI.Responses.ResponseOutputItem[] = [];
  response.writeHead(200, { ...SSE_HEADERS, ...scripted.headers });
  response.flushHeaders();
  if (scripted.firstEventDelayMs) await sleep(scripted.firstEventDelayMs);
  const send = async (event: StreamEvent, sequence_number: number): Promise<void> => {
    await write(response, `event: ${event.type}\ndata: ${JSON.stringify({ ...event, sequence_number })}\n\n`);
    request.eventsWritten++;
  };
  for (let index = 0; index < events.length; index++) {
    if (response.destroyed) return;
    if (scripted.cutAfterEvents !== undefined && index >= scripted.cutAfterEvents) {
      await sleep(20);
      response.socket?.destroy();
      return;
    }
    const error = scripted.errorAfterEvents;
    if (error && index >= error.after) {
      await send({ type: 'error', code: error.code ?? 'server_error', message: error.message ?? DEFAULT_ERROR_MESSAGE[500] ?? '', param: null }, index);
      response.end();
      return;
    }
    const failure = scripted.failAfterEvents;
    if (failure && index >= failure.after) {
      const { usage: _usage, ...rest } = final;
      const failed: WireResponse = {
        ...rest,
        status: 'failed',
        completed_at: null,
        incomplete_details: null,
        error: { code: failure.code ?? 'server_error', message: failure.message ?? DEFAULT_ERROR_MESSAGE[500] ?? '' },
        output: finished,
      };
      request.response = failed;
      await send({ type: 'response.failed', response: failed }, index);
      response.end();
      return;
    }
    if (scripted.eventDelayMs && index > 0) await sleep(scripted.eventDelayMs);
    const event = events[index] as StreamEvent;
    if (event.type === 'response.output_item.done') finished.push(event.item);
    await send(event, index);
  }
  response.end();
}

/** Resolves when the bytes are handed to the socket: destroying it discards unflushed writes. */
function write(response: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve) => response.write(text, () => resolve()));
}
