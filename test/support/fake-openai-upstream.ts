import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { FakeScript, startFakeHttpServer, type ScriptedFake } from './fake-http-server.js';
import { MODERATION_CATEGORIES } from '../../src/routing/guard/moderation-categories.js';

/**
 * A fake OpenAI-compatible upstream: a real HTTP server on 127.0.0.1 that speaks the Chat
 * Completions wire format (JSON and SSE), scriptable per test. Reused by every test that needs
 * an upstream: latency, error statuses, retry-after, garbage, dropped connections and broken
 * streams are all one `FakeResponse` away.
 */

export type FakeToolCall = { id: string; name: string; arguments: string };

export type FakeUsage = { prompt_tokens: number; completion_tokens: number; cached_tokens?: number };

export type FakeResponse =
  /** A normal answer: JSON, or SSE when the request asked for `stream: true`. */
  | {
      type: 'completion';
      text?: string;
      toolCalls?: FakeToolCall[];
      /** `null`: report no usage at all (neither in JSON nor as a stream chunk). */
      usage?: FakeUsage | null;
      finishReason?: string;
      /** Milliseconds before the status line. */
      delayMs?: number;
      /** Milliseconds between stream chunks (a slow drip when large). */
      chunkDelayMs?: number;
      /** Streams: headers go out at once, then nothing for this long before the first chunk (a stall before the first token). */
      firstChunkDelayMs?: number;
      /** Streams: the connection breaks after this many content chunks. */
      cutAfterChunks?: number;
      /** The `model` field of the answer; defaults to the requested model. */
      model?: string;
      /** Extra top-level fields (system_fingerprint, ...). */
      extra?: Record<string, unknown>;
      /** Token logprobs, one per word of `text`, sent when the request asked for `logprobs: true`. */
      logprobs?: number[];
    }
  /** An `/embeddings` answer: the given vectors, or by default a deterministic bag-of-words vector per input. */
  | { type: 'embedding'; vectors?: number[][]; usage?: { prompt_tokens: number } | null; delayMs?: number }
  /** A `/moderations` answer: one result per input, each flagged for `flagged` (score 0.9, others 0.01, unless `scores` says). */
  | { type: 'moderation'; flagged?: string[]; scores?: Record<string, number>; delayMs?: number }
  /** An error status with an OpenAI error body (or `body` verbatim). */
  | { type: 'error'; status: number; message?: string; code?: string; body?: string; headers?: Record<string, string>; delayMs?: number }
  /** Any status, headers and body, verbatim (garbage, wrong content types, ...). */
  | { type: 'raw'; status: number; headers?: Record<string, string>; body: string; delayMs?: number }
  /** SSE events sent verbatim (each string becomes `data: <string>\n\n`), then the stream ends or breaks. */
  | { type: 'sse'; events: string[]; chunkDelayMs?: number; end?: 'close' | 'destroy' }
  /** Accept the request, then destroy the socket without answering. */
  | { type: 'drop'; delayMs?: number }
  /** A status, then `chunk` written again and again until the client goes away (an endless error body, or a trickle with `chunkDelayMs`). */
  | { type: 'endless'; status: number; chunk: string; chunkDelayMs?: number };

export type RecordedRequest = {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined if it was not JSON). */
  body: Record<string, unknown> | undefined;
  /** Resolves when the server side of this request closes: `aborted` if the client went away first. */
  closed: Promise<'completed' | 'aborted'>;
  /** Stream events handed to the socket so far: it stops growing while the reader applies backpressure. */
  eventsWritten: number;
};

export type Responder = (request: RecordedRequest) => FakeResponse;

/** `url` includes `/v1`, as a provider's `base_url`; the default answer is a completion naming the model. */
export type FakeUpstream = ScriptedFake<RecordedRequest, FakeResponse>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function defaultReply(model: string): string {
  return `Reply from ${model}.`;
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const script = new FakeScript<RecordedRequest, FakeResponse>((request) =>
    request.path.endsWith('/embeddings')
      ? { type: 'embedding' }
      : request.path.endsWith('/moderations')
        ? { type: 'moderation' }
        : { type: 'completion', text: defaultReply(String(request.body?.['model'])) },
  );
  const server = await startFakeHttpServer(async ({ method, path, headers, body, closed }, response) => {
    const recorded: RecordedRequest = { method, path, headers, body, closed, eventsWritten: 0 };
    requests.push(recorded);
    await answer(script.next(recorded), recorded, response);
  });
  return {
    url: `${server.origin}/v1`,
    requests,
    respond: (next) => script.respond(next),
    enqueue: (...responses) => script.enqueue(...responses),
    requestsFor(model) {
      return requests.filter((request) => request.body?.['model'] === model);
    },
    close: server.close,
  };
}

async function answer(scripted: FakeResponse, request: RecordedRequest, response: ServerResponse): Promise<void> {
  switch (scripted.type) {
    case 'drop':
      if (scripted.delayMs) await sleep(scripted.delayMs);
      response.socket?.destroy();
      return;
    case 'raw':
      if (scripted.delayMs) await sleep(scripted.delayMs);
      response.writeHead(scripted.status, scripted.headers ?? { 'content-type': 'application/json' });
      response.end(scripted.body);
      return;
    case 'error': {
      if (scripted.delayMs) await sleep(scripted.delayMs);
      const body =
        scripted.body ??
        JSON.stringify({ error: { message: scripted.message ?? `fake error ${scripted.status}`, type: 'fake_error', param: null, code: scripted.code ?? null } });
      response.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
      response.end(body);
      return;
    }
    case 'endless':
      response.writeHead(scripted.status, { 'content-type': 'text/plain' });
      while (!response.destroyed) {
        if (scripted.chunkDelayMs) await sleep(scripted.chunkDelayMs);
        // Backpressure paces the writes to what the client reads; the client leaving ends the loop.
        await new Promise<void>((resolve) => {
          if (response.write(scripted.chunk)) return resolve();
          const done = (): void => {
            response.off('drain', done).off('close', done);
            resolve();
          };
          response.on('drain', done).on('close', done);
        });
      }
      return;
    case 'sse':
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of scripted.events) {
        if (scripted.chunkDelayMs) await sleep(scripted.chunkDelayMs);
        // Wait until the bytes are handed to the socket: destroying it discards unflushed writes.
        await new Promise<void>((resolve) => response.write(`data: ${event}\n\n`, () => resolve()));
        request.eventsWritten++;
      }
      if (scripted.end === 'destroy') {
        await sleep(20);
        response.socket?.destroy();
      } else response.end();
      return;
    case 'embedding': {
      if (scripted.delayMs) await sleep(scripted.delayMs);
      const raw = request.body?.['input'];
      const inputs = Array.isArray(raw) ? raw.map(String) : [String(raw ?? '')];
      const vectors = scripted.vectors ?? inputs.map(wordVector);
      const usage = scripted.usage === null ? undefined : (scripted.usage ?? { prompt_tokens: inputs.join(' ').split(/\s+/).length });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          object: 'list',
          data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
          model: request.body?.['model'],
          ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens } } : {}),
        }),
      );
      return;
    }
    case 'moderation': {
      if (scripted.delayMs) await sleep(scripted.delayMs);
      const raw = request.body?.['input'];
      const inputs = Array.isArray(raw) ? raw : [raw];
      const flagged = new Set(scripted.flagged ?? []);
      const result = {
        flagged: flagged.size > 0,
        categories: Object.fromEntries(MODERATION_CATEGORIES.map((name) => [name, flagged.has(name)])),
        category_scores: Object.fromEntries(MODERATION_CATEGORIES.map((name) => [name, scripted.scores?.[name] ?? (flagged.has(name) ? 0.9 : 0.01)])),
      };
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: 'modr-fake123', model: request.body?.['model'], results: inputs.map(() => result) }));
      return;
    }
    case 'completion':
      if (scripted.delayMs) await sleep(scripted.delayMs);
      if (request.body?.['stream'] === true) await streamCompletion(scripted, request, response);
      else sendCompletion(scripted, request, response);
  }
}

type Completion = Extract<FakeResponse, { type: 'completion' }>;

const ID = 'chatcmpl-fake123';
const CREATED = 1_700_000_000;

function usageOf(completion: Completion, request: RecordedRequest): Record<string, unknown> | undefined {
  if (completion.usage === null) return undefined;
  const usage = completion.usage ?? { prompt_tokens: 10 + JSON.stringify(request.body?.['messages'] ?? '').length % 7, completion_tokens: 5 };
  const out: Record<string, unknown> = {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.prompt_tokens + usage.completion_tokens,
  };
  if (usage.cached_tokens !== undefined) out['prompt_tokens_details'] = { cached_tokens: usage.cached_tokens };
  return out;
}

/** What the fake embeds a text as: counts of its lower-cased words hashed into 64 buckets, so shared words mean similar vectors. */
export function wordVector(text: string): number[] {
  const vector = new Array<number>(64).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let hash = 2166136261;
    for (let index = 0; index < word.length; index++) hash = Math.imul(hash ^ word.charCodeAt(index), 16777619);
    const bucket = (hash >>> 0) % 64;
    vector[bucket] = (vector[bucket] ?? 0) + 1;
  }
  return vector;
}

function logprobsOf(completion: Completion, request: RecordedRequest): unknown {
  if (request.body?.['logprobs'] !== true || !completion.logprobs) return null;
  const words = (completion.text ?? '').match(/\S+\s*/g) ?? [];
  return { content: completion.logprobs.map((logprob, index) => ({ token: words[index] ?? '', logprob, bytes: null, top_logprobs: [] })), refusal: null };
}

function sendCompletion(completion: Completion, request: RecordedRequest, response: ServerResponse): void {
  const toolCalls = completion.toolCalls?.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
  const body: Record<string, unknown> = {
    id: ID,
    object: 'chat.completion',
    created: CREATED,
    model: completion.model ?? request.body?.['model'],
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: completion.text ?? (toolCalls ? null : ''), refusal: null, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
        logprobs: logprobsOf(completion, request),
        finish_reason: completion.finishReason ?? (toolCalls ? 'tool_calls' : 'stop'),
      },
    ],
    ...completion.extra,
  };
  const usage = usageOf(completion, request);
  if (usage) body['usage'] = usage;
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function streamCompletion(completion: Completion, request: RecordedRequest, response: ServerResponse): Promise<void> {
  const model = completion.model ?? request.body?.['model'];
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
    `data: ${JSON.stringify({ id: ID, object: 'chat.completion.chunk', created: CREATED, model, choices, ...completion.extra, ...extra })}\n\n`;
  const includeUsage = (request.body?.['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage === true;
  const events: string[] = [chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }])];
  // Words with their trailing space, so the deltas concatenate back to the text.
  for (const word of (completion.text ?? '').match(/\S+\s*/g) ?? []) {
    events.push(chunk([{ index: 0, delta: { content: word }, logprobs: null, finish_reason: null }]));
  }
  completion.toolCalls?.forEach((call, index) => {
    events.push(chunk([{ index: 0, delta: { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }, logprobs: null, finish_reason: null }]));
    const half = Math.ceil(call.arguments.length / 2);
    for (const piece of [call.arguments.slice(0, half), call.arguments.slice(half)]) {
      events.push(chunk([{ index: 0, delta: { tool_calls: [{ index, function: { arguments: piece } }] }, logprobs: null, finish_reason: null }]));
    }
  });
  events.push(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: completion.finishReason ?? (completion.toolCalls ? 'tool_calls' : 'stop') }]));
  const usage = usageOf(completion, request);
  if (includeUsage && usage) events.push(chunk([], { usage }));
  events.push('data: [DONE]\n\n');

  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.flushHeaders();
  if (completion.firstChunkDelayMs) await sleep(completion.firstChunkDelayMs);
  // The opening chunk carries only the role; content chunks are counted after it.
  const cutAt = completion.cutAfterChunks === undefined ? Infinity : completion.cutAfterChunks + 1;
  for (let index = 0; index < events.length; index++) {
    if (response.destroyed) return;
    if (index >= cutAt) {
      await sleep(20);
      response.socket?.destroy();
      return;
    }
    if (completion.chunkDelayMs && index > 0) await sleep(completion.chunkDelayMs);
    await new Promise<void>((resolve) => response.write(events[index], () => resolve()));
    request.eventsWritten++;
  }
  response.end();
}
