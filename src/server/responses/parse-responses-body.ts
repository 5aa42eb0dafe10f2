import { InvalidRequestError } from '../../errors/request-errors.js';
import { describeZodIssues } from '../../util/describe-zod-issues.js';
import { formatParam } from '../format-param.js';
import { ResponsesBodySchema, type ResponsesBody } from './responses-request-schema.js';

/** An error about the value at `path` (OpenAI's form, `input[2].content[0].type`), `param` set to it. */
export function invalidAt(path: readonly (string | number)[], message: string): InvalidRequestError {
  const param = formatParam(path);
  return new InvalidRequestError(`Invalid request: ${param}: ${message}`, { param });
}

/**
 * A Responses body checked against its schema, and its `input` against `maxItems` (the server's
 * `max_messages`: the byte-level check before JSON.parse counts only a `messages` array). Throws
 * InvalidRequestError naming the first bad field.
 */
export function parseResponsesBody(json: unknown, maxItems = Infinity): ResponsesBody {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InvalidRequestError('Invalid request: the body must be a JSON object.');
  const input = (json as { input?: unknown }).input;
  if (Array.isArray(input) && input.length > maxItems) {
    throw invalidAt(['input'], `${input.length} input items; the gateway takes at most ${maxItems} (server.max_messages)`);
  }
  // No parse options: any option turns zod's compiled fast path off.
  const parsed = ResponsesBodySchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const [first, ...others] = describeZodIssues(parsed.error.issues, json, ResponsesBodySchema);
  const param = first && first.path.length > 0 ? formatParam(first.path) : undefined;
  const more = others.length > 0 ? ` (and ${others.length} more problem${others.length === 1 ? '' : 's'})` : '';
  throw new InvalidRequestError(`Invalid request: ${param ?? 'body'}: ${first?.message ?? 'invalid'}${more}`, param === undefined ? {} : { param });
}
