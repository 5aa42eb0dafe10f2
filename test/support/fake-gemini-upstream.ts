import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { FakeScript, startFakeHttpServer, type ScriptedFake } from './fake-http-server.js';
import type {
  BlockedReason,
  Candidate,
  Content,
  ContentEmbedding,
  FinishReason,
  GenerateContentResponse,
  GenerateContentResponsePromptFeedback,
  GenerateContentResponseUsageMetadata,
  HarmCategory,
  HarmProbability,
  MediaModality,
  Part,
  SafetyRating,
} from '@google/genai';
import { fakeTokens } from './fake-prompt-cache.js';

/**
 * A fake Google Gemini API upstream: a real HTTP server on 127.0.0.1 that speaks the v1beta wire
 * format (`models/{model}:generateContent`, `:streamGenerateContent?alt=sse`, `:countTokens`,
 * `:embedContent`, `:batchEmbedContents`, `GET models`), scriptable per test like
 * `fake-openai-upstream.ts`. Shapes are typed with `@google/genai`'s own types, and
 * `fake-gemini-upstream.test.ts` proves them with the SDK's client. It refuses a missing or wrong
 * key as Google does, can demand that the thought signatures it issued come back on functionCall
 * parts (Gemini 3), and answers faults on demand: Google's error body, `RetryInfo` on 429, cut
 * streams, error chunks mid-stream, slow first bytes, dropped connections.
 */

/** Google's canonical error statuses, with the HTTP status each is sent with. */
export const GEMINI_ERROR_CODE = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
} as const;

export type GeminiErrorStatus = keyof typeof GEMINI_ERROR_CODE;

/** The SDK's enums are TypeScript enums; the wire carries their string values (hence the casts below). */
export type GeminiFinishReason = `${FinishReason}`;
export type GeminiBlockReason = `${BlockedReason}`;
export type GeminiSafetyRating = { category: `${HarmCategory}`; probability: `${HarmProbability}`; blocked?: boolean };

/** A part of a scripted answer, as the wire carries it (functionCall parts have no id on the Gemini API). */
export type FakeGeminiPart =
  | { text: string; thought?: boolean; thoughtSignature?: string }
  | { functionCall: { name: string; args: Record<string, unknown> }; thoughtSignature?: string };

export type FakeGeminiUsage = {
  promptTokenCount: number;
  candidatesTokenCount: number;
  /** Included in `promptTokenCount`, as Gemini counts it; sent only when non-zero. */
  cachedContentTokenCount: number;
  /** Billed as output but not part of `candidatesTokenCount`; sent only when non-zero. */
  thoughtsTokenCount: number;
  totalTokenCount: number;
};

type ContentAnswer = {
  type: 'content';
  /** Default: one text part, `Reply from <model>.` */
  parts?: FakeGeminiPart[];
  /** Default `STOP` (Gemini says STOP for function calls too). */
  finishReason?: GeminiFinishReason;
  safetyRatings?: GeminiSafetyRating[];
  /** A blocked prompt: the answer has this `promptFeedback` and no candidates. */
  blockReason?: GeminiBlockReason;
  /** Replaces fields of the usage the fake computes (`totalTokenCount` is recomputed unless given). */
  usage?: Partial<FakeGeminiUsage>;
  /** Default: the requested model. */
  modelVersion?: string;
  headers?: Record<string, string>;
  /** Milliseconds before the status line (a slow first byte). */
  delayMs?: number;
  /** Streams: headers go out at once, then nothing for this long before the first chunk. */
  firstChunkDelayMs?: number;
  /** Streams: milliseconds between chunks. */
  chunkDelayMs?: number;
  /** Streams: the connection breaks after this many chunks. */
  cutAfterChunks?: number;
  /** Streams: after this many chunks, an error chunk (`data: {"error": ...}`), then the stream ends. */
  errorAfterChunks?: { after: number; status: GeminiErrorStatus; message?: string };
};

export type FakeGeminiResponse =
  /** The normal answer of the method called: content (JSON or SSE), a token count, embeddings. */
  | ContentAnswer
  /** Google's error body `{ error: { code, message, status, details } }` with the status's HTTP code. */
  | {
      type: 'error';
      status: GeminiErrorStatus;
      /** The HTTP status, when it should differ from the usual one of `status`. */
      code?: number;
      message?: string;
      /** RESOURCE_EXHAUSTED: seconds for `retry-after` and the `RetryInfo` detail (default 30); `null` sends neither. */
      retryAfterSeconds?: number | null;
      details?: unknown[];
      headers?: Record<string, string>;
      delayMs?: number;
    }
  /** Any status, headers and body, verbatim. */
  | { type: 'raw'; status: number; headers?: Record<string, string>; body: string; delayMs?: number }
  /** Accept the request, then destroy the socket without answering. */
  | { type: 'drop'; delayMs?: number };

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'countTokens' | 'embedContent' | 'batchEmbedContents';

export type RecordedGeminiRequest = {
  method: string;
  /** The path with its query. */
  path: string;
  pathname: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined if it was not JSON). */
  body: Record<string, unknown> | undefined;
  /** The model id of the path, without `models/`. */
  model: string | undefined;
  /** The method after the colon of the path. */
  geminiMethod: GeminiMethod | undefined;
  /** The `responseId` the fake answered with. */
  responseId: string;
  /** The usage the fake reported, for content it answered. */
  usage?: FakeGeminiUsage;
  /** Resolves when the server side of this request closes: `aborted` if the client went away first. */
  closed: Promise<'completed' | 'aborted'>;
  /** Stream chunks handed to the socket so far. */
  chunksWritten: number;
};

export type GeminiResponder = (request: RecordedGeminiRequest) => FakeGeminiResponse;

export type FakeGeminiOptions = {
  /** The key it accepts (`x-goog-api-key` or `?key=`); without it, any key does. A request with none gets 403 either way. */
  apiKey?: string;
  /** The ids (without `models/`) `GET /v1beta/models` lists. */
  models?: string[];
  /** Length of the embedding vectors when the request sets no `outputDimensionality` (default 768). */
  embeddingDimensions?: number;
  /**
   * As Gemini 3: sign the first functionCall part of each answer (unless the script signs it), and
   * refuse with 400 INVALID_ARGUMENT a request whose history has a model turn whose first
   * functionCall part lacks the signature the fake issued.
   */
  requireThoughtSignatures?: boolean;
};

/** `url` has no `/v1beta`, as the SDK's `httpOptions.baseUrl` takes it; the scripts answer the model methods (default `{ type: 'content' }`). */
export type FakeGeminiUpstream = ScriptedFake<RecordedGeminiRequest, FakeGeminiResponse> & {
  /** The thought signatures issued so far, in order. */
  issuedSignatures: string[];
};

const DEFAULT_MODELS = ['gemini-3-pro-preview', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-embedding-001'];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function defaultGeminiReply(model: string): string {
  return `Reply from ${model}.`;
}

/** The fake's embedding of a text: deterministic unit-length values from its hash, so tests can compute it. */
export function fakeGeminiEmbedding(text: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}:${text}`).digest();
    for (let offset = 0; offset + 2 <= digest.length && values.length < dimensions; offset += 2) {
      values.push(digest.readUInt16BE(offset) / 32_767.5 - 1);
    }
  }
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0)) || 1;
  return values.map((value) => value / norm);
}

export async function startFakeGeminiUpstream(options: FakeGeminiOptions = {}): Promise<FakeGeminiUpstream> {
  const requests: RecordedGeminiRequest[] = [];
  const script = new FakeScript<RecordedGeminiRequest, FakeGeminiResponse>(() => ({ type: 'content' }));
  const issuedSignatures: string[] = [];
  let sequence = 0;
  const context: AnswerContext = {
    dimensions: options.embeddingDimensions ?? 768,
    signatures: options.requireThoughtSignatures === true,
    issue() {
      const signature = Buffer.from(`fake-signature-${issuedSignatures.length + 1}`).toString('base64');
      issuedSignatures.push(signature);
      return signature;
    },
  };

  const server = await startFakeHttpServer(async ({ method, path, headers, body, closed }, response) => {
    const pathname = path.split('?')[0] ?? '';
    const route = pathname.match(/^\/v1beta\/models\/([^/:]+):([A-Za-z]+)$/);
    const recorded: RecordedGeminiRequest = {
      method,
      path,
      pathname,
      headers,
      body,
      model: route?.[1] === undefined ? undefined : decodeURIComponent(route[1]),
      geminiMethod: METHODS.find((known) => known === route?.[2]),
      responseId: `fakeResp${String(++sequence).padStart(6, '0')}`,
      closed,
      chunksWritten: 0,
    };
    requests.push(recorded);
    const refusal = refusalOf(recorded, options.apiKey) ?? (context.signatures ? missingSignature(recorded, issuedSignatures) : undefined);
    if (refusal) return sendError(response, { type: 'error', ...refusal });
    if (recorded.method === 'GET') return listModels(recorded, response, options.models ?? DEFAULT_MODELS);
    await answer(script.next(recorded), recorded, response, context);
  });

  return {
    url: server.origin,
    requests,
    issuedSignatures,
    respond: (next) => script.respond(next),
    enqueue: (...responses) => script.enqueue(...responses),
    requestsFor(model) {
      return requests.filter((request) => request.model === model && (request.geminiMethod === 'generateContent' || request.geminiMethod === 'streamGenerateContent'));
    },
    close: server.close,
  };
}

type AnswerContext = { dimensions: number; signatures: boolean; issue(): string };

const METHODS: GeminiMethod[] = ['generateContent', 'streamGenerateContent', 'countTokens', 'embedContent', 'batchEmbedContents'];

/** The field each method cannot do without, and its request type as Google's messages name it. */
const REQUIRED_FIELD: Record<GeminiMethod, { type: string; field: string } | undefined> = {
  generateContent: { type: 'GenerateContentRequest', field: 'contents' },
  streamGenerateContent: { type: 'GenerateContentRequest', field: 'contents' },
  countTokens: undefined,
  embedContent: { type: 'EmbedContentRequest', field: 'content' },
  batchEmbedContents: { type: 'BatchEmbedContentsRequest', field: 'requests' },
};

type Refusal = { status: GeminiErrorStatus; message: string; details?: unknown[] };

/** What Google refuses before any model runs, in its order: the route, the key, the body. */
function refusalOf(request: RecordedGeminiRequest, apiKey: string | undefined): Refusal | undefined {
  const listing = request.method === 'GET' && /^\/v1beta\/models(\/[^/:]+)?$/.test(request.pathname);
  const calling = request.method === 'POST' && request.geminiMethod !== undefined;
  if (!listing && !calling) return { status: 'NOT_FOUND', message: `The requested URL ${request.pathname} was not found on this server.` };
  const header = request.headers['x-goog-api-key'];
  const key = (Array.isArray(header) ? header[0] : header) ?? new URL(request.path, 'http://fake').searchParams.get('key') ?? undefined;
  if (key === undefined) {
    return {
      status: 'PERMISSION_DENIED',
      message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    };
  }
  if (apiKey !== undefined && key !== apiKey) {
    return {
      status: 'INVALID_ARGUMENT',
      message: 'API key not valid. Please pass a valid API key.',
      details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } }],
    };
  }
  if (!calling) return undefined;
  if (!request.body || typeof request.body !== 'object' || Array.isArray(request.body)) {
    return { status: 'INVALID_ARGUMENT', message: 'Invalid JSON payload received. Unexpected end of string.' };
  }
  const required = REQUIRED_FIELD[request.geminiMethod ?? 'countTokens'];
  if (required && request.body[required.field] === undefined) {
    return { status: 'INVALID_ARGUMENT', message: `* ${required.type}.${required.field}: ${required.field} is not specified\n` };
  }
  return undefined;
}

/** Gemini 3's check: the first functionCall part of each model turn must carry the signature it was issued with. */
function missingSignature(request: RecordedGeminiRequest, issued: string[]): Refusal | undefined {
  const contents = request.body?.['contents'];
  if (!Array.isArray(contents)) return undefined;
  for (const [position, content] of (contents as Content[]).entries()) {
    if (content.role !== 'model') continue;
    const call = content.parts?.find((part) => part.functionCall !== undefined);
    if (!call || (call.thoughtSignature !== undefined && issued.includes(call.thoughtSignature))) continue;
    return {
      status: 'INVALID_ARGUMENT',
      message: `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${call.functionCall?.name ?? ''}\` , position ${position + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
    };
  }
  return undefined;
}

async function answer(scripted: FakeGeminiResponse, request: RecordedGeminiRequest, response: ServerResponse, context: AnswerContext): Promise<void> {
  if (scripted.delayMs) await sleep(scripted.delayMs);
  switch (scripted.type) {
    case 'drop':
      response.socket?.destroy();
      return;
    case 'raw':
      response.writeHead(scripted.status, scripted.headers ?? { 'content-type': 'application/json; charset=UTF-8' });
      response.end(scripted.body);
      return;
    case 'error':
      sendError(response, scripted);
      return;
    case 'content':
      switch (request.geminiMethod) {
        case 'countTokens':
          return sendJson(response, 200, countTokens(request.body ?? {}));
        case 'embedContent':
          return sendJson(response, 200, { embedding: embed(request.body ?? {}, context.dimensions) });
        case 'batchEmbedContents': {
          const each = request.body?.['requests'];
          const embeddings = (Array.isArray(each) ? each : []).map((one: Record<string, unknown>) => embed(one, context.dimensions));
          return sendJson(response, 200, { embeddings });
        }
        default: {
          const parts = signParts(scripted.parts ?? [{ text: defaultGeminiReply(String(request.model)) }], context);
          const usage = usageOf(scripted, request.body ?? {}, parts);
          request.usage = usage;
          if (request.geminiMethod === 'streamGenerateContent') return streamContent(scripted, request, response, parts, usage);
          return sendJson(response, 200, responseOf(scripted, request, parts, usage, true), scripted.headers);
        }
      }
  }
}

/** With signatures required, the first functionCall part of an answer gets one the fake remembers. */
function signParts(parts: FakeGeminiPart[], context: AnswerContext): Part[] {
  const first = parts.findIndex((part) => 'functionCall' in part);
  return parts.map((part, index): Part => {
    if (index === first && context.signatures && part.thoughtSignature === undefined) return { ...part, thoughtSignature: context.issue() };
    return part;
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  response.end(JSON.stringify(body));
}

const DEFAULT_ERROR_MESSAGE: Record<GeminiErrorStatus, string> = {
  INVALID_ARGUMENT: 'Request contains an invalid argument.',
  FAILED_PRECONDITION: 'User location is not supported for the API use.',
  UNAUTHENTICATED: 'Request had invalid authentication credentials.',
  PERMISSION_DENIED: 'The caller does not have permission',
  NOT_FOUND: 'Requested entity was not found.',
  RESOURCE_EXHAUSTED: 'You exceeded your current quota, please check your plan and billing details.',
  CANCELLED: 'The operation was cancelled.',
  INTERNAL: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  UNAVAILABLE: 'The model is overloaded. Please try again later.',
  DEADLINE_EXCEEDED: 'Deadline expired before operation could complete.',
};

function errorBody(status: GeminiErrorStatus, code: number, message: string | undefined, details: unknown[] | undefined): string {
  return JSON.stringify({ error: { code, message: message ?? DEFAULT_ERROR_MESSAGE[status], status, ...(details ? { details } : {}) } });
}

function sendError(response: ServerResponse, scripted: Extract<FakeGeminiResponse, { type: 'error' }>): void {
  const exhausted = scripted.status === 'RESOURCE_EXHAUSTED';
  const retryAfter = scripted.retryAfterSeconds === undefined ? (exhausted ? 30 : null) : scripted.retryAfterSeconds;
  const details = scripted.details ?? (exhausted && retryAfter !== null ? quotaDetails(retryAfter) : undefined);
  const code = scripted.code ?? GEMINI_ERROR_CODE[scripted.status];
  response.writeHead(code, {
    'content-type': 'application/json; charset=UTF-8',
    ...(retryAfter === null ? {} : { 'retry-after': String(retryAfter) }),
    ...scripted.headers,
  });
  response.end(errorBody(scripted.status, code, scripted.message, details));
}

/** What Google attaches to a 429: the quota broken, a help link, and when to retry. */
function quotaDetails(retryAfterSeconds: number): unknown[] {
  return [
    {
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }],
    },
    { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
    { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfterSeconds}s` },
  ];
}

function promptTokenCount(body: Record<string, unknown>): number {
  return Math.max(1, fakeTokens(body['contents'] ?? []) + (body['systemInstruction'] === undefined ? 0 : fakeTokens(body['systemInstruction'])) + (body['tools'] === undefined ? 0 : fakeTokens(body['tools'])));
}

function countTokens(body: Record<string, unknown>): { totalTokens: number; promptTokensDetails: Array<{ modality: 'TEXT'; tokenCount: number }> } {
  // The request carries `contents`, or a whole `generateContentRequest`.
  const inner = body['generateContentRequest'];
  const totalTokens = promptTokenCount(typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : body);
  return { totalTokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: totalTokens }] };
}

function embed(request: Record<string, unknown>, defaultDimensions: number): ContentEmbedding {
  const content = request['content'] as Content | undefined;
  const text = (content?.parts ?? []).map((part) => part.text ?? '').join('');
  const dimensions = typeof request['outputDimensionality'] === 'number' ? request['outputDimensionality'] : defaultDimensions;
  return { values: fakeGeminiEmbedding(text, dimensions) };
}

function partTokens(parts: Part[], thought: boolean): number {
  return parts.reduce((sum, part) => {
    if ((part.thought === true) !== thought) return sum;
    return sum + (part.functionCall ? fakeTokens(part.functionCall) : fakeTokens(part.text ?? ''));
  }, 0);
}

function usageOf(scripted: ContentAnswer, body: Record<string, unknown>, parts: Part[]): FakeGeminiUsage {
  const override = scripted.usage ?? {};
  const prompt = override.promptTokenCount ?? promptTokenCount(body);
  const candidates = override.candidatesTokenCount ?? (scripted.blockReason ? 0 : partTokens(parts, false));
  const thoughts = override.thoughtsTokenCount ?? (scripted.blockReason ? 0 : partTokens(parts, true));
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    cachedContentTokenCount: override.cachedContentTokenCount ?? 0,
    thoughtsTokenCount: thoughts,
    totalTokenCount: override.totalTokenCount ?? prompt + candidates + thoughts,
  };
}

const TEXT = 'TEXT' as MediaModality;

/** The wire's usageMetadata: zero cached and thought counts are left out, as Gemini does. */
function usageMetadata(usage: FakeGeminiUsage): GenerateContentResponseUsageMetadata {
  const cached = usage.cachedContentTokenCount;
  return {
    promptTokenCount: usage.promptTokenCount,
    candidatesTokenCount: usage.candidatesTokenCount,
    totalTokenCount: usage.totalTokenCount,
    ...(cached > 0 ? { cachedContentTokenCount: cached } : {}),
    ...(usage.thoughtsTokenCount > 0 ? { thoughtsTokenCount: usage.thoughtsTokenCount } : {}),
    promptTokensDetails: [{ modality: TEXT, tokenCount: usage.promptTokenCount }],
    ...(cached > 0 ? { cacheTokensDetails: [{ modality: TEXT, tokenCount: cached }] } : {}),
  };
}

type WireResponse = Pick<GenerateContentResponse, 'candidates' | 'promptFeedback' | 'usageMetadata' | 'modelVersion' | 'responseId'>;

/** One GenerateContentResponse (or stream chunk) with these parts; `last` carries the finish reason and ratings. */
function responseOf(scripted: ContentAnswer, request: RecordedGeminiRequest, parts: Part[], usage: FakeGeminiUsage, last: boolean): WireResponse {
  const common = { usageMetadata: usageMetadata(usage), modelVersion: scripted.modelVersion ?? String(request.model), responseId: request.responseId };
  if (scripted.blockReason) {
    const promptFeedback: GenerateContentResponsePromptFeedback = { blockReason: scripted.blockReason as BlockedReason, ...(scripted.safetyRatings ? { safetyRatings: scripted.safetyRatings as SafetyRating[] } : {}) };
    return { promptFeedback, ...common };
  }
  const candidate: Candidate = {
    content: { role: 'model', parts },
    ...(last ? { finishReason: (scripted.finishReason ?? 'STOP') as FinishReason } : {}),
    ...(last && scripted.safetyRatings ? { safetyRatings: scripted.safetyRatings as SafetyRating[] } : {}),
    index: 0,
  };
  return { candidates: [candidate], ...common };
}

/** Stream chunks: thoughts and text a few words at a time, a function call whole; the last chunk ends with the finish reason. */
function chunkParts(parts: Part[]): Part[][] {
  const chunks: Part[][] = [];
  for (const part of parts) {
    if (part.text === undefined) {
      chunks.push([part]);
      continue;
    }
    const { thoughtSignature, ...rest } = part;
    const words = part.text.match(/\S+\s*|\s+/g) ?? [''];
    for (let start = 0; start < words.length; start += 2) {
      const piece: Part = { ...rest, text: words.slice(start, start + 2).join('') };
      // A text part's signature arrives with its last piece.
      if (thoughtSignature !== undefined && start + 2 >= words.length) piece.thoughtSignature = thoughtSignature;
      chunks.push([piece]);
    }
  }
  return chunks.length > 0 ? chunks : [[]];
}

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

async function streamContent(scripted: ContentAnswer, request: RecordedGeminiRequest, response: ServerResponse, parts: Part[], usage: FakeGeminiUsage): Promise<void> {
  const pieces = scripted.blockReason ? [[]] : chunkParts(parts);
  let candidates = 0;
  let thoughts = 0;
  const chunks = pieces.map((piece, index) => {
    const last = index === pieces.length - 1;
    candidates += partTokens(piece, false);
    thoughts += partTokens(piece, true);
    // Running totals in every chunk; the last one has the final figures.
    const running: FakeGeminiUsage = last
      ? usage
      : { ...usage, candidatesTokenCount: Math.min(candidates, usage.candidatesTokenCount), thoughtsTokenCount: Math.min(thoughts, usage.thoughtsTokenCount), totalTokenCount: usage.promptTokenCount + Math.min(candidates, usage.candidatesTokenCount) + Math.min(thoughts, usage.thoughtsTokenCount) };
    return responseOf(scripted, request, piece, running, last);
  });
  response.writeHead(200, { ...SSE_HEADERS, ...scripted.headers });
  response.flushHeaders();
  if (scripted.firstChunkDelayMs) await sleep(scripted.firstChunkDelayMs);
  for (let index = 0; index < chunks.length; index++) {
    if (response.destroyed) return;
    if (scripted.cutAfterChunks !== undefined && index >= scripted.cutAfterChunks) {
      await sleep(20);
      response.socket?.destroy();
      return;
    }
    const failure = scripted.errorAfterChunks;
    if (failure && index >= failure.after) {
      await write(response, `data: ${errorBody(failure.status, GEMINI_ERROR_CODE[failure.status], failure.message, undefined)}\r\n\r\n`);
      request.chunksWritten++;
      response.end();
      return;
    }
    if (scripted.chunkDelayMs && index > 0) await sleep(scripted.chunkDelayMs);
    await write(response, `data: ${JSON.stringify(chunks[index])}\r\n\r\n`);
    request.chunksWritten++;
  }
  response.end();
}

/** Resolves when the bytes are handed to the socket: destroying it discards unflushed writes. */
function write(response: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve) => response.write(text, () => resolve()));
}

type WireModel = {
  name: string;
  version: string;
  displayName: string;
  description: string;
  inputTokenLimit: number;
  outputTokenLimit: number;
  supportedGenerationMethods: string[];
  thinking?: boolean;
};

function modelInfo(id: string): WireModel {
  const embedding = id.includes('embedding');
  return {
    name: `models/${id}`,
    version: '001',
    displayName: id.replace(/^gemini-/, 'Gemini ').replace(/-/g, ' '),
    description: `The fake's ${id}.`,
    inputTokenLimit: embedding ? 2048 : 1_048_576,
    outputTokenLimit: embedding ? 1 : 65_536,
    supportedGenerationMethods: embedding ? ['embedContent', 'countTextTokens', 'countTokens'] : ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
    ...(embedding ? {} : { thinking: true }),
  };
}

function listModels(request: RecordedGeminiRequest, response: ServerResponse, ids: string[]): void {
  const infos = ids.map(modelInfo);
  if (request.pathname.startsWith('/v1beta/models/')) {
    const name = `models/${decodeURIComponent(request.pathname.slice('/v1beta/models/'.length))}`;
    const info = infos.find((model) => model.name === name);
    if (info) return sendJson(response, 200, info);
    return sendError(response, { type: 'error', status: 'NOT_FOUND', message: `${name} is not found for API version v1beta, or is not supported for getModel.` });
  }
  const query = new URL(request.path, 'http://fake').searchParams;
  const pageSize = Number(query.get('pageSize') ?? 50);
  const start = Number(query.get('pageToken') ?? 0);
  const page = infos.slice(start, start + pageSize);
  const next = start + page.length;
  sendJson(response, 200, { models: page, ...(next < infos.length ? { nextPageToken: String(next) } : {}) });
}
