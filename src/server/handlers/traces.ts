import { z } from 'zod';
import { InvalidRequestError, NotFoundError } from '../../errors/request-errors.js';
import type { TraceStatus } from '../../spec/trace.js';
import { DEFAULT_ROUTE } from '../../spec/decision.js';
import { decodeCursor, type TraceFilter, type TraceScope } from '../../telemetry/trace-filter.js';
import type { Caller } from '../../keys/caller.js';
import { callerTraceScope } from '../caller-trace-scope.js';
import { describeZodIssues } from '../../util/describe-zod-issues.js';
import { parseTimestamp } from '../../util/parse-timestamp.js';
import { listNames } from '../../util/describe-value.js';
import { quoteInput } from '../../util/quote-input.js';
import { sendJson } from '../http-io.js';
import { parseJsonBody } from '../parse-chat-request.js';
import { parseStatsGrouping } from './parse-stats-grouping.js';
import type { Handler, HandlerContext } from './handler-context.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
const STATUSES: readonly TraceStatus[] = ['ok', 'blocked', 'error', 'aborted', 'shutdown'];

/** `GET /v1/traces`: newest first, filtered by router, route, model, status, time, key and team, a page at a time; a caller sees only its own (`callerTraceScope`). */
export const handleListTraces: Handler = async ({ request, response, gateway, caller }) => {
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
  const filter: TraceFilter = { ...parseFilter(query), ...scopeOf(caller, query) };
  const page = await gateway.store.list(filter);
  sendJson(response, 200, { object: 'list', data: page.traces, has_more: page.next !== undefined, next_cursor: page.next ?? null });
};

/** `GET /v1/traces/{id}`: one trace with its feedback. */
export const handleGetTrace: Handler = async ({ response, gateway, path, caller }) => {
  const id = decodePathSegment(path.replace(/^(\/v1)?\/traces\//, ''));
  // Another key's trace is as absent as an unknown one: its existence is not revealed.
  const found = await gateway.store.get(id, callerTraceScope(caller, {}));
  if (!found) throw new NotFoundError(`No trace ${quoteInput(id)} is kept (traces older than the retention are deleted).`, { code: 'trace_not_found', param: 'id' });
  sendJson(response, 200, { ...found.trace, feedback: found.feedback });
};

/**
 * `GET /v1/stats`: what the routing did over a period (`since`, `until`, `router`), with a
 * timeline of `bucket_ms` buckets when asked, and per key or team with `by=key|team`: the figures of
 * `switchyard stats` and the dashboard, of the traces the caller may see.
 */
export const handleStats: Handler = async ({ request, response, gateway, caller }) => {
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
  const bucketText = query.get('bucket_ms');
  const bucketMs = bucketText === null || bucketText === '' ? undefined : Number(bucketText);
  if (bucketMs !== undefined && (!Number.isInteger(bucketMs) || bucketMs < 1_000)) {
    throw new InvalidRequestError(`bucket_ms must be an integer of at least 1000; got ${quoteInput(bucketText ?? '')}.`, { param: 'bucket_ms' });
  }
  const stats = await gateway.store.stats({
    since: parseTime(query.get('since') ?? undefined, 'since'),
    until: parseTime(query.get('until') ?? undefined, 'until'),
    router: query.get('router') ?? undefined,
    bucketMs,
    by: parseStatsGrouping(query.get('by')),
    ...scopeOf(caller, query),
  });
  // What became of the traces (written, waiting, dropped by cause): the figures above count only the stored ones.
  sendJson(response, 200, { object: 'stats', ...stats, traceStore: gateway.store.counts() });
};

const FeedbackSchema = z
  .looseObject({
    trace_id: z.string().min(1),
    /** How good the answer was, 0..1: becomes the served model's score in `switchyard export`. */
    score: z.number().min(0).max(1).optional(),
    label: z.string().max(200).optional(),
    /** A catalog model that would have done better. */
    better_model: z.string().min(1).optional(),
  })
  .refine((body) => body.score !== undefined || body.label !== undefined || body.better_model !== undefined, {
    error: 'expected at least one of score, label, better_model',
  });

/** `POST /v1/feedback`: the outcome of a routed request, kept with its trace. */
export const handleFeedback: Handler = async ({ response, gateway, readBody, caller }) => {
  const json = parseJsonBody(await readBody(), gateway.config.server);
  const parsed = FeedbackSchema.safeParse(json);
  if (!parsed.success) {
    const [first] = describeZodIssues(parsed.error.issues, json, FeedbackSchema);
    const param = first?.path.join('.') || undefined;
    throw new InvalidRequestError(`Invalid feedback: ${param ? `${param}: ` : ''}${first?.message ?? 'invalid body'}.`, param ? { param } : {});
  }
  const body = parsed.data;
  if (body.better_model !== undefined && !gateway.config.models.has(body.better_model)) {
    throw new InvalidRequestError(`better_model ${quoteInput(body.better_model)} is not a model of the catalog. Models: ${listNames(gateway.config.models.keys())}.`, { param: 'better_model' });
  }
  const saved = await gateway.store.addFeedback({ traceId: body.trace_id, score: body.score, label: body.label, betterModel: body.better_model }, callerTraceScope(caller, {}));
  if (!saved) throw new NotFoundError(`No trace ${quoteInput(body.trace_id)} is kept; feedback needs the trace it is about.`, { code: 'trace_not_found', param: 'trace_id' });
  if (body.score !== undefined) await observeFeedback(gateway, saved.traceId, body.score, saved.createdAt);
  sendJson(response, 201, { id: saved.id, object: 'feedback', trace_id: saved.traceId, created_at: saved.createdAt, score: saved.score, label: saved.label, better_model: saved.betterModel });
};

/** A person's score of a routed answer feeds the drift monitor too, under the router, route and model that served it. */
async function observeFeedback(gateway: HandlerContext['gateway'], traceId: string, score: number, at: number): Promise<void> {
  const trace = (await gateway.store.get(traceId))?.trace;
  if (!trace?.router || !trace.model) return;
  // The router's default is no route (as the shadow runner reports it), so both sources land in one series.
  const route = trace.route === DEFAULT_ROUTE ? undefined : (trace.route ?? undefined);
  gateway.observeQuality({ router: trace.router, route, model: trace.model, score, source: 'feedback', traceId, at });
}

function parseFilter(query: URLSearchParams): TraceFilter {
  const text = (name: string): string | undefined => {
    const value = query.get(name);
    return value === null || value === '' ? undefined : value;
  };
  const status = text('status');
  if (status !== undefined && !STATUSES.includes(status as TraceStatus)) {
    throw new InvalidRequestError(`status must be one of ${STATUSES.join(', ')}; got ${quoteInput(status)}.`, { param: 'status' });
  }
  const limitText = text('limit');
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new InvalidRequestError(`limit must be an integer from 1 to ${MAX_LIMIT}; got ${quoteInput(limitText ?? '')}.`, { param: 'limit' });
  const cursor = text('cursor');
  if (cursor !== undefined && !decodeCursor(cursor)) throw new InvalidRequestError('cursor is not one this API returned (use next_cursor of the previous page).', { param: 'cursor' });
  return {
    router: text('router'),
    route: text('route'),
    model: text('model'),
    status: status as TraceStatus | undefined,
    since: parseTime(text('since'), 'since'),
    until: parseTime(text('until'), 'until'),
    cursor,
    limit,
  };
}

/** Whose traces the caller may read, narrowed by `?key=` / `?team=`. */
function scopeOf(caller: Caller, query: URLSearchParams): TraceScope {
  const text = (name: string): string | undefined => {
    const value = query.get(name);
    return value === null || value === '' ? undefined : value;
  };
  return callerTraceScope(caller, { key: text('key'), team: text('team') });
}

/** A percent-encoded path segment; one that is not valid (`%E0%A4%A`) is the client's mistake, a 400. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidRequestError(`The trace id in the path is not valid percent-encoding: ${quoteInput(segment)}.`, { param: 'id' });
  }
}

/** An ISO 8601 time or epoch milliseconds. */
export function parseTime(value: string | undefined, param: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const time = parseTimestamp(value);
  if (time === undefined) throw new InvalidRequestError(`${param} must be an ISO 8601 time or epoch milliseconds; got ${quoteInput(value)}.`, { param });
  return time;
}
