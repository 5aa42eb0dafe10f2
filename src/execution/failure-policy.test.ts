import { describe, expect, it } from 'vitest';
import { NoCompatibleModelError } from '../errors/execution-errors.js';
import type { ProviderErrorCategory } from '../errors/provider-errors.js';
import { ProviderConnectionError, ProviderHttpError, ProviderProtocolError, ProviderTimeoutError } from '../errors/provider-errors.js';
import { AbortedError, InternalError, InvalidRequestError } from '../errors/request-errors.js';
import { failureAction, isDeploymentFailure, type FailureAction } from './failure-policy.js';

const source = { provider: 'p', model: 'm' };

function httpError(status: number, category?: ProviderErrorCategory): ProviderHttpError {
  return new ProviderHttpError({ source, status, message: 'x', category });
}

describe('failureAction', () => {
  it.each([408, 409, 429, 500, 502, 503, 504])('retries the same model on HTTP %i', (status) => {
    expect(failureAction(httpError(status))).toBe('retry');
  });

  it.each([401, 403, 404])('fails over to the next model on HTTP %i', (status) => {
    expect(failureAction(httpError(status))).toBe('fail_over');
  });

  it('fails over, without waiting, when the provider is out of credit (402, or 429 insufficient_quota)', () => {
    expect(failureAction(httpError(402))).toBe('fail_over');
    expect(failureAction(new ProviderHttpError({ source, status: 429, message: 'You exceeded your current quota', code: 'insufficient_quota' }))).toBe('fail_over');
  });

  it.each([400, 422])('stops on HTTP %i (the request itself is wrong)', (status) => {
    expect(failureAction(httpError(status))).toBe('final');
  });

  it('asks for a larger context on a context_length error, although it is a 400', () => {
    expect(failureAction(httpError(400, 'context_length'))).toBe('larger_context');
    expect(failureAction(httpError(413, 'context_length'))).toBe('larger_context');
  });

  it('reports a content_filter error as such, whatever the status', () => {
    expect(failureAction(httpError(400, 'content_filter'))).toBe('content_filter');
    expect(failureAction(httpError(500, 'content_filter'))).toBe('content_filter');
  });

  it("follows the error's retryable flag over its status", () => {
    expect(failureAction(new ProviderHttpError({ source, status: 503, message: 'x', retryable: false }))).toBe('final');
    expect(failureAction(new ProviderHttpError({ source, status: 400, message: 'x', retryable: true }))).toBe('retry');
  });

  it('retries connection, timeout and protocol errors', () => {
    expect(failureAction(new ProviderConnectionError(source, 'reset'))).toBe('retry');
    expect(failureAction(new ProviderTimeoutError(source, 'slow'))).toBe('retry');
    expect(failureAction(new ProviderProtocolError(source, 'garbage'))).toBe('retry');
  });

  it('stops when the client aborted or the request is invalid', () => {
    expect(failureAction(new AbortedError())).toBe('final');
    expect(failureAction(new InvalidRequestError('bad', { param: 'messages' }))).toBe('final');
  });

  it('stops on errors that are not about a deployment', () => {
    expect(failureAction(new InternalError('oops'))).toBe('final');
    expect(failureAction(new NoCompatibleModelError('none', []))).toBe('final');
  });
});

describe('isDeploymentFailure', () => {
  const cases: [FailureAction, boolean][] = [
    ['retry', true],
    ['fail_over', true],
    ['larger_context', false],
    ['content_filter', false],
    ['final', false],
  ];
  it.each(cases)('%s counts against the deployment: %s', (action, expected) => {
    expect(isDeploymentFailure(action)).toBe(expected);
  });
});
