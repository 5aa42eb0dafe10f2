import { describe, expect, it } from 'vitest';
import { SecretRedactor, type Redact } from '../shared/secret-redactor.js';
import { classifyAnthropicError, createAnthropicHttpError, rateLimitResetMs } from './anthropic-error.js';

const source = { provider: 'anthropic', model: 'claude' };
const KEY = 'sk-ant-api03-secret-0123456789abcdef';
const redactor = new SecretRedactor([KEY]);
const redact: Redact = (text, maxChars) => redactor.quote(text, maxChars);
const NOW = Date.parse('2026-12-05T12:00:00Z');

const body = (type: string, message: string): string => JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_1' });
const httpError = (status: number, bodyText: string, headers: Record<string, string> = {}) => createAnthropicHttpError({ source, status, headers, bodyText, redact, now: NOW });

describe('createAnthropicHttpError', () => {
  it.each([
    [529, 'overloaded_error', true],
    [500, 'api_error', true],
    [502, 'api_error', true],
    [503, 'api_error', true],
    [504, 'timeout_error', true],
    [429, 'rate_limit_error', true],
    [400, 'invalid_request_error', false],
    [401, 'authentication_error', false],
    [403, 'permission_error', false],
    [404, 'not_found_error', false],
    [413, 'request_too_large', false],
  ])('%i %s: retryable %s, with its type and the precise message', (status, type, retryable) => {
    const error = httpError(status, body(type, `the ${type} message`));
    expect(error).toMatchObject({ kind: 'upstream_http', status, retryable, upstreamType: type, message: `the ${type} message (request_id req_1)` });
  });

  it('honours retry-after in seconds and as a date, else the reset of the exhausted rate limit', () => {
    expect(httpError(429, body('rate_limit_error', 'slow down'), { 'retry-after': '3' }).retryAfterMs).toBe(3000);
    expect(httpError(429, body('rate_limit_error', 'slow down'), { 'retry-after': 'Sat, 05 Dec 2026 12:00:07 GMT' }).retryAfterMs).toBe(7000);
    const headers = {
      'anthropic-ratelimit-requests-remaining': '10',
      'anthropic-ratelimit-requests-reset': '2026-12-05T12:00:30Z',
      'anthropic-ratelimit-input-tokens-remaining': '0',
      'anthropic-ratelimit-input-tokens-reset': '2026-12-05T12:00:04Z',
    };
    expect(httpError(429, body('rate_limit_error', 'slow down'), headers).retryAfterMs).toBe(4000);
    expect(rateLimitResetMs({ 'anthropic-ratelimit-tokens-remaining': '5', 'anthropic-ratelimit-tokens-reset': '2026-12-05T12:00:04Z' }, NOW)).toBeUndefined();
  });

  it('classifies a prompt too long as context_length, with the code OpenAI clients know', () => {
    const error = httpError(400, body('invalid_request_error', 'prompt is too long: 215000 tokens > 200000 maximum'));
    expect(error).toMatchObject({ category: 'context_length', upstreamCode: 'context_length_exceeded' });
    expect(classifyAnthropicError(400, 'input length and `max_tokens` exceed context limit: 195000 + 8192 > 200000')).toBe('context_length');
    expect(classifyAnthropicError(400, 'max_tokens: Field required')).toBeUndefined();
    expect(classifyAnthropicError(500, 'prompt is too long')).toBeUndefined();
  });

  it('never quotes the key, whatever field echoes it', () => {
    const echoed = JSON.stringify({ type: 'error', error: { type: `bad ${KEY}`, message: `invalid x-api-key ${KEY}` }, request_id: KEY });
    const error = httpError(401, echoed);
    expect(JSON.stringify({ message: error.message, type: error.upstreamType })).not.toContain(KEY.slice(8, 24));
    const html = httpError(502, `<html>proxy saw ${KEY}</html>`);
    expect(html.message).toContain('[REDACTED]');
    expect(html.message).not.toContain(KEY);
  });

  it('describes an empty or non-JSON body', () => {
    expect(httpError(503, '').message).toBe('HTTP 503 with an empty body');
    expect(httpError(502, 'Bad Gateway').message).toBe('Bad Gateway');
  });
});
