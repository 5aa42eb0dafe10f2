import { z } from 'zod';
import { InvalidRequestError } from '../errors/request-errors.js';
import type { EmbeddingInput, EmbeddingRequest } from '../spec/embedding-request.js';
import { describeValue } from '../util/describe-value.js';
import { describeZodIssues } from '../util/describe-zod-issues.js';
import type { JsonShapeLimits } from './check-json-shape.js';
import { formatParam } from './format-param.js';
import { parseJsonBody } from './parse-chat-request.js';

/** OpenAI's cap on the inputs of one embeddings request. */
export const MAX_EMBEDDING_INPUTS = 2048;

const EXPECTED_INPUT = 'a string, an array of strings, an array of token ids, or an array of arrays of token ids';

/** The fields of an OpenAI embeddings body besides `input` (read on its own, for precise messages); unknown fields are ignored. */
const EmbeddingsBodySchema = z.looseObject({
  model: z.string({ error: 'expected a model or router name' }).min(1, { error: 'expected a model or router name, not an empty string' }),
  dimensions: z.number({ error: 'expected a positive integer' }).int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' }).optional(),
  encoding_format: z.enum(['float', 'base64'], { error: 'expected `float` or `base64`' }).optional(),
  user: z.string({ error: 'expected a string' }).optional(),
});

export type ParsedEmbeddingRequest = { request: EmbeddingRequest; encodingFormat: 'float' | 'base64' };

/** Parses `POST /v1/embeddings` bytes. Throws InvalidRequestError naming the bad field. */
export function parseEmbeddingRequest(body: Buffer, limits: JsonShapeLimits): ParsedEmbeddingRequest {
  const json = parseJsonBody(body, limits);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InvalidRequestError('The request body must be a JSON object.');
  const parsed = EmbeddingsBodySchema.safeParse(json);
  if (!parsed.success) {
    const [first] = describeZodIssues(parsed.error.issues, json, EmbeddingsBodySchema);
    const param = first ? formatParam(first.path) : 'body';
    throw new InvalidRequestError(`Invalid request: ${param}: ${first?.message ?? 'invalid'}`, { param });
  }
  const { model, dimensions, encoding_format: encodingFormat = 'float', user } = parsed.data;
  return { request: { model, input: readInput((json as Record<string, unknown>)['input']), dimensions, user }, encodingFormat };
}

function invalid(param: string, message: string): never {
  throw new InvalidRequestError(`Invalid request: ${param}: ${message}`, { param });
}

/** `input` in any of its four shapes, or an error at the first item that fits none. */
function readInput(input: unknown): EmbeddingInput {
  if (typeof input === 'string') {
    if (input === '') invalid('input', 'expected a non-empty string');
    return { type: 'text', texts: [input] };
  }
  if (!Array.isArray(input)) invalid('input', `expected ${EXPECTED_INPUT}; found ${describeValue(input)}`);
  if (input.length === 0) invalid('input', 'expected at least one input, found an empty array');
  if (input.length > MAX_EMBEDDING_INPUTS) invalid('input', `at most ${MAX_EMBEDDING_INPUTS} inputs per request, found ${input.length}`);
  const first: unknown = input[0];
  if (typeof first === 'number') return { type: 'tokens', tokens: [readTokenIds(input, 'input')] };
  if (Array.isArray(first)) return { type: 'tokens', tokens: input.map((item: unknown, index) => readTokenIds(item, `input[${index}]`)) };
  if (typeof first !== 'string') invalid('input[0]', `expected ${EXPECTED_INPUT}; found ${describeValue(first)}`);
  input.forEach((item: unknown, index) => {
    if (typeof item !== 'string') invalid(`input[${index}]`, `expected a string like input[0]; found ${describeValue(item)}`);
    if (item === '') invalid(`input[${index}]`, 'expected a non-empty string');
  });
  return { type: 'text', texts: input as string[] };
}

function readTokenIds(value: unknown, param: string): number[] {
  if (!Array.isArray(value)) invalid(param, `expected an array of token ids like input[0]; found ${describeValue(value)}`);
  if (value.length === 0) invalid(param, 'expected at least one token id, found an empty array');
  value.forEach((token: unknown, index) => {
    if (typeof token !== 'number' || !Number.isInteger(token) || token < 0) invalid(`${param}[${index}]`, `expected a token id (an integer >= 0); found ${describeValue(token)}`);
  });
  return value as number[];
}
