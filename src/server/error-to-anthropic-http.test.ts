import { describe, expect, it } from 'vitest';
import { NoAvailableModelError } from '../errors/execution-errors.js';
import { ProviderHttpError, ProviderTimeoutError } from '../errors/provider-errors.js';
import { AuthenticationError, ForbiddenError, InvalidRequestError, NotFoundError, OverloadedError, PayloadTooLargeError } from '../errors/request-errors.js';
import { errorToAnthropicHttp } from './error-to-anthropic-http.js';

const source = { provider: 'p', model: 'm' };

describe('errorToAnthropicHttp', () => {
  it.each([
    [new InvalidRequestError('bad'), 400, 'invalid_request_error'],
    [new AuthenticationError('who'), 401, 'authentication_error'],
    [new ForbiddenError('no', 'cross_origin'), 403, 'permission_error'],
    [new NotFoundError('none', { code: 'model_not_found' }), 404, 'not_found_error'],
    [new PayloadTooLargeError(10), 413, 'request_too_large'],
    [new ProviderHttpError({ source, status: 429, message: 'slow down', retryAfterMs: 2000 }), 429, 'rate_limit_error'],
    [new ProviderHttpError({ source, status: 500, message: 'boom' }), 502, 'api_error'],
    [new ProviderTimeoutError(source, 'too slow'), 504, 'timeout_error'],
    [new NoAvailableModelError('none left', { filtered: [], missingEnv: [], retryAfterMs: undefined }), 503, 'overloaded_error'],
    // The gateway's own overload: Anthropic's 529.
    [new OverloadedError('busy', 1500), 529, 'overloaded_error'],
  ])('%s → %i %s, in Anthropic\'s shape', (error, status, type) => {
    const http = errorToAnthropicHttp(error, 'req_1');
    expect(http.status).toBe(status);
    expect(http.body).toEqual({ type: 'error', error: { type, message: expect.any(String) }, request_id: 'req_1' });
  });

  it('keeps the headers and message the one error map decides', () => {
    expect(errorToAnthropicHttp(new OverloadedError('busy', 1500), 'r').headers).toMatchObject({ 'retry-after': '2', 'x-should-retry': 'true' });
    const none = new NoAvailableModelError('No model is available for router "auto".', { filtered: [], missingEnv: [], retryAfterMs: undefined });
    expect(errorToAnthropicHttp(none, 'r')).toMatchObject({ status: 503, headers: { 'x-should-retry': 'false' }, body: { error: { message: 'No model is available for router "auto".' } } });
  });
});
