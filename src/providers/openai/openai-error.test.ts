import { describe, expect, it, vi } from 'vitest';
import { ProviderHttpError } from '../../errors/provider-errors.js';
import { SecretRedactor, type Redact } from '../shared/secret-redactor.js';
import { classifyOpenAIError, createOpenAIHttpError } from './openai-error.js';

const source = { provider: 'openai', model: 'gpt-x' };
const KEY = 'sk-test-0123456789abcdef';
const redactor = new SecretRedactor([KEY]);
const redact: Redact = (text, maxChars) => redactor.quote(text, maxChars);

function httpError(status: number, bodyText: string, headers: Record<string, string> = {}): ProviderHttpError {
  return createOpenAIHttpError({ source, status, headers, bodyText, redact });
}

describe('classifyOpenAIError', () => {
  it('classifies code context_length_exceeded as context_length', () => {
    expect(classifyOpenAIError(400, 'context_length_exceeded', 'invalid_request_error', 'Bad request')).toBe('context_length');
  });

  it('classifies type context_length_exceeded as context_length', () => {
    expect(classifyOpenAIError(400, undefined, 'context_length_exceeded', 'Bad request')).toBe('context_length');
  });

  it.each([
    "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
    'prompt is too long: 210000 tokens > 200000 maximum',
    'Input exceeds the context window of this model',
    'Please reduce the length of the messages.',
    'Too many tokens in the request',
  ])('classifies a 400 saying "%s" as context_length', (message) => {
    expect(classifyOpenAIError(400, undefined, undefined, message)).toBe('context_length');
  });

  it('classifies context-length messages on 413 and 422 too', () => {
    expect(classifyOpenAIError(413, undefined, undefined, 'prompt is too long')).toBe('context_length');
    expect(classifyOpenAIError(422, undefined, undefined, "This model's maximum context length is 4096 tokens")).toBe('context_length');
  });

  it('classifies codes content_policy_violation and content_filter as content_filter', () => {
    expect(classifyOpenAIError(400, 'content_policy_violation', 'invalid_request_error', 'Bad request')).toBe('content_filter');
    expect(classifyOpenAIError(400, 'content_filter', undefined, 'Bad request')).toBe('content_filter');
  });

  it.each([
    "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
    'Your request was rejected as a result of our safety system.',
    'This request has been flagged as potentially harmful.',
  ])('classifies a 400 saying "%s" as content_filter', (message) => {
    expect(classifyOpenAIError(400, undefined, undefined, message)).toBe('content_filter');
  });

  it('never classifies a 500 or other statuses outside 400/413/422', () => {
    expect(classifyOpenAIError(500, 'context_length_exceeded', undefined, "This model's maximum context length is 8192 tokens")).toBeUndefined();
    expect(classifyOpenAIError(500, 'content_filter', undefined, 'content filter')).toBeUndefined();
    expect(classifyOpenAIError(429, undefined, undefined, 'too many tokens per minute')).toBeUndefined();
    expect(classifyOpenAIError(404, 'context_length_exceeded', undefined, 'x')).toBeUndefined();
  });

  it('does not take a parameter named context_length for a context-length error', () => {
    expect(classifyOpenAIError(400, undefined, 'invalid_request_error', 'Unrecognized request argument supplied: context_length')).toBeUndefined();
    expect(classifyOpenAIError(400, undefined, undefined, 'The prompt exceeds the model\'s context window')).toBe('context_length');
  });

  it('leaves an unrelated 400 unclassified', () => {
    expect(classifyOpenAIError(400, 'invalid_value', 'invalid_request_error', "Invalid value for 'temperature': expected a number.")).toBeUndefined();
    expect(classifyOpenAIError(400, undefined, undefined, '')).toBeUndefined();
  });
});

describe('createOpenAIHttpError', () => {
  it('keeps the status, message, type, code and param of an OpenAI error body', () => {
    const body = JSON.stringify({ error: { message: 'Unknown parameter: foo', type: 'invalid_request_error', param: 'foo', code: 'unknown_parameter' } });
    const error = httpError(400, body);
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error.source).toEqual(source);
    expect(error.status).toBe(400);
    expect(error.message).toBe('Unknown parameter: foo');
    expect(error.upstreamType).toBe('invalid_request_error');
    expect(error.upstreamCode).toBe('unknown_parameter');
    expect(error.upstreamParam).toBe('foo');
    expect(error.category).toBeUndefined();
    expect(error.retryable).toBe(false);
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('reads retry-after in seconds into retryAfterMs', () => {
    const body = JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded', param: null } });
    const error = httpError(429, body, { 'retry-after': '2' });
    expect(error.retryAfterMs).toBe(2_000);
    expect(error.retryable).toBe(true);
    expect(error.upstreamParam).toBeUndefined();
  });

  it('classifies the error from its body', () => {
    const body = JSON.stringify({ error: { message: 'Too long', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } });
    expect(httpError(400, body).category).toBe('context_length');
    expect(httpError(400, 'prompt is too long').category).toBe('context_length');
    expect(httpError(400, JSON.stringify({ error: { message: 'no', code: 'content_policy_violation' } })).category).toBe('content_filter');
  });

  it('passes the message through redact', () => {
    const spy = vi.fn(redact);
    const body = JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}.`, type: 'invalid_request_error', code: 'invalid_api_key' } });
    const error = createOpenAIHttpError({ source, status: 401, headers: {}, bodyText: body, redact: spy });
    expect(spy).toHaveBeenCalled();
    expect(error.message).toBe('Incorrect API key provided: [REDACTED].');
    expect(error.message).not.toContain(KEY);
  });

  it('redacts a key echoed in the type, code or param as well', () => {
    const body = JSON.stringify({ error: { message: 'bad', type: `t-${KEY}`, code: `c-${KEY}`, param: `p-${KEY}` } });
    const error = httpError(400, body);
    expect([error.upstreamType, error.upstreamCode, error.upstreamParam]).toEqual(['t-[REDACTED]', 'c-[REDACTED]', 'p-[REDACTED]']);
  });

  it('redacts a key echoed in a non-JSON body', () => {
    const error = httpError(401, `invalid key ${KEY}`);
    expect(error.message).toBe('invalid key [REDACTED]');
  });

  it('redacts a key that straddles the cut of a non-JSON body whole (redacts first, then cuts)', () => {
    for (const offset of [280, 290, 299]) {
      const error = httpError(500, `${'e'.repeat(offset)}${KEY} trailing words`);
      expect(error.message).toBe(`${'e'.repeat(offset)}[REDACTED]…`);
      expect(error.message).not.toContain(KEY.slice(0, 8));
    }
  });

  it('bounds an OpenAI error message to its first 2,000 characters, redacting a key across that cut too', () => {
    const error = httpError(400, JSON.stringify({ error: { message: `${'m'.repeat(1_995)}${KEY}${'z'.repeat(100_000)}` } }));
    expect(error.message).toBe(`${'m'.repeat(1_995)}[REDACTED]…`);
  });

  it('redacts a base64-encoded key', () => {
    const basic = Buffer.from(`user:${KEY}`).toString('base64');
    const error = httpError(401, `invalid credentials: Basic ${basic}`);
    expect(error.message).toContain('[REDACTED]');
    expect(Buffer.from(error.message.slice('invalid credentials: Basic '.length), 'base64').toString('latin1')).not.toContain(KEY.slice(4, 12));
  });

  it('reads an error that is a plain string', () => {
    expect(httpError(502, JSON.stringify({ error: 'upstream overloaded' })).message).toBe('upstream overloaded');
  });

  it('uses the start of a non-JSON body as the message', () => {
    expect(httpError(502, '  <html><body>502 Bad Gateway</body></html>\n').message).toBe('<html><body>502 Bad Gateway</body></html>');
    const long = `Service unavailable. ${'x'.repeat(1_000)}`;
    const error = httpError(503, long);
    expect(error.message).toBe(`${long.slice(0, 300)}…`);
    expect(error.status).toBe(503);
    expect(error.retryable).toBe(true);
  });

  it('says the body was empty when it was', () => {
    expect(httpError(503, '').message).toBe('HTTP 503 with an empty body');
    expect(httpError(500, ' \n ').message).toBe('HTTP 500 with an empty body');
    expect(httpError(503, '').upstreamCode).toBeUndefined();
  });
});
