import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { FakeScript, startFakeHttpServer, type ScriptedFake } from './fake-http-server.js';
import type Anthropic from '@anthropic-ai/sdk';
import { FakePromptCache, fakeTokens, promptBlocks, promptTokens } from './fake-prompt-cache.js';

/**
 * A fake Anthropic upstream: a real HTTP server on 127.0.0.1 that speaks the Messages API wire
 * format (`POST /v1/messages` as JSON and as SSE with `event:` lines, `POST
 * /v1/messages/count_tokens`, `GET /v1/models`), scriptable per test like
 * `fake-openai-upstream.ts`. The shapes are typed with `@anthropic-ai/sdk`'s own types, and
 * `fake-anthropic-upstream.test.ts` proves them with the SDK's client. It refuses what the real
 * API refuses before any script runs (no key, no `anthropic-version`, no `max_tokens`), reports
 * cache reads and writes from a simulated prompt cache (`fake-prompt-cache.ts`), and answers
 * faults on demand: Anthropic's error bodies and statuses, rate-limit headers, cut streams,
 * `error` events mid-stream, slow first bytes.
 */

export type FakeAnthropicBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export type FakeAnthropicUsage = {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: Anthropic.CacheCreation;
};

/** The error types the API answers with, plus `request_too_large` (413), which it sends but the SDK does not name. */
export type AnthropicErrorType = Exclude<Anthropic.ErrorType, 'memory_precondition_failed_error' | 'memory_path_conflict_error'> | 'request_too_large';

export const ANTHROPIC_ERROR_STATUS: Record<AnthropicErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  conflict_error: 409,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export type FakeAnthropicResponse =
  /** The normal answer of the endpoint called: a Message (JSON, or SSE when the request says `stream: true`), or a token count. */
  | {
      type: 'message';
      /** Default: one text block, `Reply from <model>.` */
      content?: FakeAnthropicBlock[];
      /** Default: `tool_use` when the content has a tool_use block, else `end_turn`. */
      stopReason?: Anthropic.StopReason;
      stopSequence?: string;
      /** Replaces fields of the usage the fake computes from its token estimate and its prompt cache. */
      usage?: Partial<FakeAnthropicUsage>;
      /** The `model` of the answer; defaults to the requested model. */
      model?: string;
      headers?: Record<string, string>;
      /** Milliseconds before the status line (a slow first byte). */
      delayMs?: number;
      /** Streams: headers go out at once, then nothing for this long before `message_start`. */
      firstEventDelayMs?: number;
      /** Streams: milliseconds between events. */
      eventDelayMs?: number;
      /** Streams: the connection breaks after this many events (pings included). */
      cutAfterEvents?: number;
      /** Streams: after this many events, an `error` event (as the API sends when overloaded mid-stream), then the stream ends. */
      errorAfterEvents?: { after: number; error: AnthropicErrorType; message?: string };
    }
  /** Anthropic's error body with the status of its type (or `status`); `rate_limit_error` carries `retry-after` and `anthropic-ratelimit-*` headers. */
  | {
      type: 'error';
      error: AnthropicErrorType;
      status?: number;
      message?: string;
      /** Seconds for `retry-after` (default 1 on `rate_limit_error`); `null` sends none. */
      retryAfterSeconds?: number | null;
      headers?: Record<string, string>;
      delayMs?: number;
    }
  /** Any status, headers and body, verbatim (garbage, wrong content types, ...). */
  | { type: 'raw'; status: number; headers?: Record<string, string>; body: string; delayMs?: number }
  /** SSE events sent verbatim as `event: <event>` and `data: <data>` (JSON unless a string), then the stream ends or breaks. */
  | { type: 'events'; events: Array<{ event: string; data: unknown }>; eventDelayMs?: number; end?: 'close' | 'destroy' }
  /** Accept the request, then destroy the socket without answering. */
  | { type: 'drop'; delayMs?: number };

export type RecordedAnthropicRequest = {
  method: string;
  /** The path with its query (`/v1/messages?beta=true`). */
  path: string;
  /** The path without its query. */
  pathname: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined if it was not JSON). */
  body: Record<string, unknown> | undefined;
  /** The `anthropic-beta` values, split on commas. */
  betas: string[];
  /** The `request-id` the fake answered with (also `request_id` in its error bodies). */
  requestId: string;
  /** The usage the fake reported, for a Message it answered. */
  usage?: FakeAnthropicUsage;
  /** Resolves when the server side of this request closes: `aborted` if the client went away first. */
  closed: Promise<'completed' | 'aborted'>;
  /** Stream events handed to the socket so far. */
  eventsWritten: number;
};

export type AnthropicResponder = (request: RecordedAnthropicRequest) => FakeAnthropicResponse;

export type FakeAnthropicOptions = {
  /** The key it accepts (as `x-api-key` or `Authorization: Bearer`); without it, any key does. A request with none gets 401 either way. */
  apiKey?: string;
  /** The ids `GET /v1/models` lists. */
  models?: string[];
  /** The prompt cache's minimum prefix, in the fake's tokens (default 0: anything is cached). */
  minCacheTokens?: number;
  /** The clock of the prompt cache's TTLs, so a test can let a cache expire without waiting. */
  now?: () => number;
};

/**
 * `url` has no `/v1`, as the Anthropic SDK's `baseURL` and Claude Code's `ANTHROPIC_BASE_URL` take
 * it; the scripts answer `/v1/messages` and `/v1/messages/count_tokens` (default `{ type: 'message' }`).
 */
export type FakeAnthropicUpstream = ScriptedFake<RecordedAnthropicRequest, FakeAnthropicResponse> & {
  /** Forgets every cached prefix. */
  clearCache(): void;
};

const DEFAULT_MODELS = ['claude-opus-4-8', 'claude-sonnet-4-6', 'claude-haiku-4-5'];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function defaultAnthropicReply(model: string): string {
  return `Reply from ${model}.`;
}

export async function startFakeAnthropicUpstream(options: FakeAnthropicOptions = {}): Promise<FakeAnthropicUpstream> {
  const requests: RecordedAnthropicRequest[] = [];
  const script = new FakeScript<RecordedAnthropicRequest, FakeAnthropicResponse>(() => ({ type: 'message' }));
  const cache = new FakePromptCache(options.now ?? Date.now, options.minCacheTokens ?? 0);
  const models = options.models ?? DEFAULT_MODELS;
  let sequence = 0;

  const server = await startFakeHttpServer(async ({ method, path, headers, text, body, closed }, response) => {
    const recorded: RecordedAnthropicRequest = {
      method,
      path,
      pathname: path.split('?')[0] ?? '',
      headers,
      body,
      betas: headerValue(headers['anthropic-beta'])?.split(',').map((beta) => beta.trim()).filter(Boolean) ?? [],
      requestId: `req_fake${String(++sequence).padStart(6, '0')}`,
      closed,
      eventsWritten: 0,
    };
    requests.push(recorded);
    response.setHeader('request-id', recorded.requestId);
    const refusal = refusalOf(recorded, text, options.apiKey);
    if (refusal) return sendError(response, recorded, { type: 'error', ...refusal });
    if (recorded.method === 'GET' && recorded.pathname.startsWith('/v1/models')) return listModels(recorded, response, models);
    await answer(script.next(recorded), recorded, response, cache);
  });

  return {
    url: server.origin,
    requests,
    respond: (next) => script.respond(next),
    enqueue: (...responses) => script.enqueue(...responses),
    requestsFor(model) {
      return requests.filter((request) => request.pathname === '/v1/messages' && request.body?.['model'] === model);
    },
    clearCache() {
      cache.clear();
    },
    close: server.close,
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

const ROUTES = new Set(['POST /v1/messages', 'POST /v1/messages/count_tokens', 'GET /v1/models']);

/** What the real API refuses before any model runs, in its order: the route, the key, the version header, the body. */
function refusalOf(request: RecordedAnthropicRequest, text: string, apiKey: string | undefined): { error: AnthropicErrorType; message: string } | undefined {
  const route = `${request.method} ${request.pathname.startsWith('/v1/models/') ? '/v1/models' : request.pathname}`;
  if (!ROUTES.has(route)) return { error: 'not_found_error', message: 'Not found' };
  const bearer = headerValue(request.headers['authorization'])?.match(/^Bearer (.+)$/)?.[1];
  const key = headerValue(request.headers['x-api-key']) ?? bearer;
  if (key === undefined) return { error: 'authentication_error', message: 'x-api-key header is required' };
  if (apiKey !== undefined && key !== apiKey) return { error: 'authentication_error', message: 'invalid x-api-key' };
  if (request.headers['anthropic-version'] === undefined) return { error: 'invalid_request_error', message: 'anthropic-version: header is required' };
  if (request.method !== 'POST') return undefined;
  if (!request.body || typeof request.body !== 'object' || Array.isArray(request.body)) {
    return { error: 'invalid_request_error', message: text.trim() === '' ? 'Request body is empty' : 'There was an error parsing the body of your request: invalid JSON' };
  }
  const required = request.pathname === '/v1/messages' ? ['model', 'messages', 'max_tokens'] : ['model', 'messages'];
  const missing = required.find((field) => request.body?.[field] === undefined);
  if (missing) return { error: 'invalid_request_error', message: `${missing}: Field required` };
  if (!Array.isArray(request.body['messages'])) return { error: 'invalid_request_error', message: 'messages: Input should be a valid list' };
  return undefined;
}

async function answer(scripted: FakeAnthropicResponse, request: RecordedAnthropicRequest, response: ServerResponse, cache: FakePromptCache): Promise<void> {
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
      sendError(response, request, scripted);
      return;
    case 'events':
      response.writeHead(200, SSE_HEADERS);
      for (const { event, data } of scripted.events) {
        if (scripted.eventDelayMs) await sleep(scripted.eventDelayMs);
        await write(response, `event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
        request.eventsWritten++;
      }
      if (scripted.end === 'destroy') {
        await sleep(20);
        response.socket?.destroy();
      } else response.end();
      return;
    case 'message': {
      const blocks = promptBlocks(request.body ?? {});
      if (request.pathname === '/v1/messages/count_tokens') {
        return sendJson(response, 200, { input_tokens: promptTokens(blocks) } satisfies Anthropic.MessageTokensCount);
      }
      const model = String(request.body?.['model']);
      const content = scripted.content ?? [{ type: 'text', text: defaultAnthropicReply(model) }];
      const usage = usageOf(scripted, content, cache.apply(model, blocks));
      request.usage = usage;
      const message = messageOf(scripted, request, content, usage);
      if (request.body?.['stream'] === true) await streamMessage(scripted, message, request, response);
      else sendJson(response, 200, message, scripted.headers);
    }
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function errorBody(request: RecordedAnthropicRequest, error: AnthropicErrorType, message: string): string {
  return JSON.stringify({ type: 'error', error: { type: error, message }, request_id: request.requestId });
}

function sendError(response: ServerResponse, request: RecordedAnthropicRequest, scripted: Extract<FakeAnthropicResponse, { type: 'error' }>): void {
  const retryAfter = scripted.retryAfterSeconds === undefined ? (scripted.error === 'rate_limit_error' ? 1 : null) : scripted.retryAfterSeconds;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(retryAfter === null ? {} : { 'retry-after': String(retryAfter) }),
    ...(scripted.error === 'rate_limit_error' ? rateLimitHeaders(retryAfter ?? 1) : {}),
    ...scripted.headers,
  };
  response.writeHead(scripted.status ?? ANTHROPIC_ERROR_STATUS[scripted.error], headers);
  response.end(errorBody(request, scripted.error, scripted.message ?? DEFAULT_ERROR_MESSAGE[scripted.error]));
}

const DEFAULT_ERROR_MESSAGE: Record<AnthropicErrorType, string> = {
  invalid_request_error: 'Invalid request',
  authentication_error: 'invalid x-api-key',
  billing_error: 'Your credit balance is too low to access the Anthropic API.',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'Not found',
  conflict_error: 'Conflict',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'This request would exceed the rate limit for your organization. Please retry after the time in the retry-after header.',
  api_error: 'Internal server error',
  timeout_error: 'Request timed out',
  overloaded_error: 'Overloaded',
};

/** The headers Anthropic sends on a 429: each limit exhausted, resetting (RFC 3339) when `retry-after` says. */
function rateLimitHeaders(retryAfterSeconds: number): Record<string, string> {
  const reset = new Date(Date.now() + retryAfterSeconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const headers: Record<string, string> = {};
  for (const [kind, limit] of [['requests', 50], ['tokens', 90_000], ['input-tokens', 80_000], ['output-tokens', 10_000]] as const) {
    headers[`anthropic-ratelimit-${kind}-limit`] = String(limit);
    headers[`anthropic-ratelimit-${kind}-remaining`] = '0';
    headers[`anthropic-ratelimit-${kind}-reset`] = reset;
  }
  return headers;
}

type MessageAnswer = Extract<FakeAnthropicResponse, { type: 'message' }>;

function outputTokens(content: FakeAnthropicBlock[], only?: 'thinking'): number {
  return content.reduce((sum, block) => {
    if (only && block.type !== only) return sum;
    if (block.type === 'text') return sum + fakeTokens(block.text);
    if (block.type === 'thinking') return sum + fakeTokens(block.thinking);
    if (block.type === 'tool_use') return sum + fakeTokens(block.input);
    return sum + fakeTokens(block.data);
  }, 0);
}

function usageOf(scripted: MessageAnswer, content: FakeAnthropicBlock[], cache: ReturnType<FakePromptCache['apply']>): FakeAnthropicUsage {
  const override = scripted.usage ?? {};
  const written = override.cache_creation_input_tokens;
  return {
    input_tokens: override.input_tokens ?? cache.uncached,
    output_tokens: override.output_tokens ?? Math.max(1, outputTokens(content)),
    cache_creation_input_tokens: written ?? cache.written5m + cache.written1h,
    cache_read_input_tokens: override.cache_read_input_tokens ?? cache.read,
    // A scripted total without its split counts as 5-minute writes.
    cache_creation:
      override.cache_creation ??
      (written === undefined ? { ephemeral_5m_input_tokens: cache.written5m, ephemeral_1h_input_tokens: cache.written1h } : { ephemeral_5m_input_tokens: written, ephemeral_1h_input_tokens: 0 }),
  };
}

function messageOf(scripted: MessageAnswer, request: RecordedAnthropicRequest, content: FakeAnthropicBlock[], usage: FakeAnthropicUsage): Anthropic.Message {
  const thinkingTokens = outputTokens(content, 'thinking');
  const stopReason = scripted.stopReason ?? (content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn');
  return {
    id: `msg_fake${request.requestId.slice('req_fake'.length)}`,
    type: 'message',
    role: 'assistant',
    model: scripted.model ?? String(request.body?.['model']),
    content: content.map(toContentBlock),
    stop_reason: stopReason,
    stop_sequence: scripted.stopSequence ?? null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      ...usage,
      output_tokens_details: content.some((block) => block.type === 'thinking') ? { thinking_tokens: thinkingTokens } : null,
      server_tool_use: null,
      service_tier: 'standard',
      inference_geo: null,
      speed: null,
    },
  };
}

function toContentBlock(block: FakeAnthropicBlock): Anthropic.ContentBlock {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text, citations: null };
    case 'thinking':
      return { type: 'thinking', thinking: block.thinking, signature: block.signature };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: block.data };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: block.input, caller: { type: 'direct' } };
  }
}

type StreamEvent = Anthropic.RawMessageStreamEvent | { type: 'ping' } | Anthropic.ErrorResponse;

/** The events of a streamed Message, in the API's order: start, a ping, each block's start/deltas/stop, the delta with the stop reason and final usage, stop. */
function streamEvents(message: Anthropic.Message): StreamEvent[] {
  const events: StreamEvent[] = [
    { type: 'message_start', message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...message.usage, output_tokens: 1, output_tokens_details: null } } },
  ];
  const ping = (): void => void events.push({ type: 'ping' });
  if (message.content.length === 0) ping();
  message.content.forEach((block, index) => {
    const delta = (delta: Anthropic.RawContentBlockDelta): void => void events.push({ type: 'content_block_delta', index, delta });
    switch (block.type) {
      case 'text':
        events.push({ type: 'content_block_start', index, content_block: { ...block, text: '' } });
        if (index === 0) ping();
        for (const piece of pieces(block.text)) delta({ type: 'text_delta', text: piece });
        break;
      case 'thinking':
        events.push({ type: 'content_block_start', index, content_block: { ...block, thinking: '', signature: '' } });
        if (index === 0) ping();
        for (const piece of pieces(block.thinking)) delta({ type: 'thinking_delta', thinking: piece });
        delta({ type: 'signature_delta', signature: block.signature });
        break;
      case 'tool_use': {
        events.push({ type: 'content_block_start', index, content_block: { ...block, input: {} } });
        if (index === 0) ping();
        const json = JSON.stringify(block.input);
        const half = Math.ceil(json.length / 2);
        // The API opens a tool's input with an empty fragment.
        for (const piece of ['', json.slice(0, half), json.slice(half)]) delta({ type: 'input_json_delta', partial_json: piece });
        break;
      }
      default:
        events.push({ type: 'content_block_start', index, content_block: block });
        if (index === 0) ping();
    }
    events.push({ type: 'content_block_stop', index });
  });
  const { usage } = message;
  events.push({
    type: 'message_delta',
    delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence, stop_details: null, container: null },
    usage: {
      input_tokens: usage.input_tokens,
      output_tokens: usage.output_tokens,
      cache_creation_input_tokens: usage.cache_creation_input_tokens,
      cache_read_input_tokens: usage.cache_read_input_tokens,
      output_tokens_details: usage.output_tokens_details,
      server_tool_use: null,
    },
  });
  events.push({ type: 'message_stop' });
  return events;
}

/** Words with their trailing space, so the deltas concatenate back to the text. */
function pieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

async function streamMessage(scripted: MessageAnswer, message: Anthropic.Message, request: RecordedAnthropicRequest, response: ServerResponse): Promise<void> {
  const events = streamEvents(message);
  response.writeHead(200, { ...SSE_HEADERS, ...scripted.headers });
  response.flushHeaders();
  if (scripted.firstEventDelayMs) await sleep(scripted.firstEventDelayMs);
  for (let index = 0; index < events.length; index++) {
    if (response.destroyed) return;
    if (scripted.cutAfterEvents !== undefined && index >= scripted.cutAfterEvents) {
      await sleep(20);
      response.socket?.destroy();
      return;
    }
    const failure = scripted.errorAfterEvents;
    if (failure && index >= failure.after) {
      const body = errorBody(request, failure.error, failure.message ?? DEFAULT_ERROR_MESSAGE[failure.error]);
      await write(response, `event: error\ndata: ${body}\n\n`);
      request.eventsWritten++;
      response.end();
      return;
    }
    if (scripted.eventDelayMs && index > 0) await sleep(scripted.eventDelayMs);
    const event = events[index] as StreamEvent;
    await write(response, `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    request.eventsWritten++;
  }
  response.end();
}

/** Resolves when the bytes are handed to the socket: destroying it discards unflushed writes. */
function write(response: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve) => response.write(text, () => resolve()));
}

function listModels(request: RecordedAnthropicRequest, response: ServerResponse, ids: string[]): void {
  const infos = ids.map((id): Anthropic.ModelInfo => ({
    type: 'model',
    id,
    display_name: id.replace(/^claude-/, 'Claude ').replace(/-/g, ' '),
    created_at: '2026-01-01T00:00:00Z',
    capabilities: null,
    deprecated_at: null,
    lifecycle: 'active',
    line: null,
    max_input_tokens: null,
    max_tokens: null,
    retires_at: null,
  }));
  if (request.pathname.startsWith('/v1/models/')) {
    const id = decodeURIComponent(request.pathname.slice('/v1/models/'.length));
    const info = infos.find((model) => model.id === id);
    if (info) return sendJson(response, 200, info);
    return sendError(response, request, { type: 'error', error: 'not_found_error', message: `model: ${id}` });
  }
  const query = new URL(request.path, 'http://fake').searchParams;
  const limit = Number(query.get('limit') ?? 20);
  const after = query.get('after_id');
  const before = query.get('before_id');
  let start = after === null ? 0 : infos.findIndex((model) => model.id === after) + 1;
  let end = infos.length;
  if (before !== null) {
    end = Math.max(0, infos.findIndex((model) => model.id === before));
    start = Math.max(start, end - limit);
  }
  const page = infos.slice(start, Math.min(end, start + limit));
  const body: Anthropic.PageResponse<Anthropic.ModelInfo> = {
    data: page,
    has_more: before === null ? start + page.length < end : start > 0,
    first_id: page[0]?.id ?? null,
    last_id: page.at(-1)?.id ?? null,
  };
  sendJson(response, 200, body);
}
