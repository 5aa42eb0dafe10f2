import { describe, expect, it } from 'vitest';
import { credentialRedactor } from '../shared/secret-redactor.js';
import { createGeminiHttpError } from './gemini-error.js';

const KEY = 'AIzaSyFake-Gemini-Key_0123456789abcdef';
const source = { provider: 'google', model: 'gemini-2.5-flash' };
const redact = credentialRedactor(KEY, {});

const failure = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  createGeminiHttpError({ source, status, headers, bodyText: typeof body === 'string' ? body : JSON.stringify(body), redact, now: 0 });

const googleError = (code: number, status: string, message: string, details?: unknown[]) => ({ error: { code, message, status, ...(details ? { details } : {}) } });

describe('createGeminiHttpError', () => {
  it.each([
    [400, 'INVALID_ARGUMENT', false],
    [403, 'PERMISSION_DENIED', false],
    [404, 'NOT_FOUND', false],
    [429, 'RESOURCE_EXHAUSTED', true],
    [500, 'INTERNAL', true],
    [503, 'UNAVAILABLE', true],
    [504, 'DEADLINE_EXCEEDED', true],
  ])('%i %s: retryable %s, the status kept as the type', (code, status, retryable) => {
    expect(failure(code, googleError(code, status, 'why'))).toMatchObject({ kind: 'upstream_http', status: code, retryable, upstreamType: status, message: 'why' });
  });

  it("honours retry-after first, else the body's RetryInfo", () => {
    const details = [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12.5s' }];
    expect(failure(429, googleError(429, 'RESOURCE_EXHAUSTED', 'slow down', details)).retryAfterMs).toBe(12_500);
    expect(failure(429, googleError(429, 'RESOURCE_EXHAUSTED', 'slow down', details), { 'retry-after': '3' }).retryAfterMs).toBe(3_000);
    expect(failure(429, googleError(429, 'RESOURCE_EXHAUSTED', 'slow down')).retryAfterMs).toBeUndefined();
  });

  it('classifies a prompt over the context window, so a larger model is tried', () => {
    const error = failure(400, googleError(400, 'INVALID_ARGUMENT', 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).'));
    expect(error).toMatchObject({ category: 'context_length', upstreamCode: 'context_length_exceeded' });
    expect(failure(400, googleError(400, 'INVALID_ARGUMENT', 'Bad schema')).category).toBeUndefined();
  });

  it('redacts the key from a message and from a body that is not JSON', () => {
    expect(failure(400, googleError(400, 'INVALID_ARGUMENT', `API key ${KEY} not valid`)).message).toBe('API key [REDACTED] not valid');
    expect(failure(502, `<html>bad gateway for ${KEY}</html>`).message).toBe('<html>bad gateway for [REDACTED]</html>');
    expect(failure(502, '').message).toBe('HTTP 502 with an empty body');
  });
});
