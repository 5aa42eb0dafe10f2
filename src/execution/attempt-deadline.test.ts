import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProviderConnectionError, ProviderTimeoutError } from '../errors/provider-errors.js';
import { AbortedError } from '../errors/request-errors.js';
import type { TimeoutSettings } from '../spec/reliability.js';
import { Cancellation, CancellationSource } from '../util/cancellation.js';
import { promotedBytesPerCall } from '../../test/support/promoted-bytes.js';
import { AttemptDeadline } from './attempt-deadline.js';

const TIMEOUT: TimeoutSettings = { connectMs: 50, firstTokenMs: 100, totalMs: 1_000, requestMs: 5_000 };
const source = { provider: 'prov', model: 'model-x' };
const upstreamError = (): ProviderConnectionError => new ProviderConnectionError(source, 'socket hang up');

type Client = { cancellation: Cancellation; abort: () => void };

// The server's requests carry a CancellationSource; a library caller's, an AbortSignal.
describe.each([
  ['a CancellationSource', (): Client => {
    const source = new CancellationSource();
    return { cancellation: source, abort: () => source.abort() };
  }],
  ['an AbortSignal', (): Client => {
    const controller = new AbortController();
    return { cancellation: Cancellation.of(controller.signal), abort: () => controller.abort() };
  }],
])('AttemptDeadline, the client cancelling through %s', (_kind, makeClient) => {
  let client: Client;
  const deadlines: AttemptDeadline[] = [];
  const start = (stream: boolean, requestLeftMs?: number): AttemptDeadline => {
    const deadline = new AttemptDeadline(client.cancellation, TIMEOUT, stream, requestLeftMs);
    deadlines.push(deadline);
    return deadline;
  };

  beforeEach(() => {
    vi.useFakeTimers();
    client = makeClient();
  });

  afterEach(() => {
    for (const deadline of deadlines.splice(0)) deadline.dispose();
    vi.useRealTimers();
  });

  it('aborts its signal when totalMs has passed, not before', () => {
    const deadline = start(false);
    vi.advanceTimersByTime(TIMEOUT.totalMs - 1);
    expect(deadline.callOptions.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.callOptions.signal.aborted).toBe(true);
  });

  it('for a stream, aborts after firstTokenMs without a first token', () => {
    const deadline = start(true);
    vi.advanceTimersByTime(TIMEOUT.firstTokenMs - 1);
    expect(deadline.callOptions.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.callOptions.signal.aborted).toBe(true);
  });

  it('for a stream, only the total timeout applies once firstToken() was called', () => {
    const deadline = start(true);
    vi.advanceTimersByTime(TIMEOUT.firstTokenMs - 10);
    deadline.firstToken();
    vi.advanceTimersByTime(TIMEOUT.totalMs - TIMEOUT.firstTokenMs + 9);
    expect(deadline.callOptions.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.callOptions.signal.aborted).toBe(true);
    expect(deadline.explain(upstreamError(), source).message).toBe('model-x did not finish within 1000 ms');
  });

  it('for a JSON answer, has no first-token timeout', () => {
    const deadline = start(false);
    vi.advanceTimersByTime(TIMEOUT.firstTokenMs * 5);
    expect(deadline.callOptions.signal.aborted).toBe(false);
    expect(deadline.explain(upstreamError(), source)).toBeInstanceOf(ProviderConnectionError);
  });

  it('explains any error after the first-token timeout as a ProviderTimeoutError naming it', () => {
    const deadline = start(true);
    vi.advanceTimersByTime(TIMEOUT.firstTokenMs);
    const explained = deadline.explain(new AbortedError('This operation was aborted'), source);
    expect(explained).toBeInstanceOf(ProviderTimeoutError);
    expect(explained.message).toBe('model-x sent no first token within 100 ms');
    expect((explained as ProviderTimeoutError).source).toEqual(source);
    expect(explained.retryable).toBe(true);
  });

  it('explains any error after the total timeout as a ProviderTimeoutError naming it', () => {
    const deadline = start(false);
    vi.advanceTimersByTime(TIMEOUT.totalMs);
    const explained = deadline.explain(upstreamError(), source);
    expect(explained).toBeInstanceOf(ProviderTimeoutError);
    expect(explained.message).toBe('model-x did not finish within 1000 ms');
  });

  it('names the timeout that fired first when both have', () => {
    const deadline = start(true);
    vi.advanceTimersByTime(TIMEOUT.totalMs * 2);
    expect(deadline.explain(upstreamError(), source).message).toBe('model-x sent no first token within 100 ms');
  });

  it('returns the error unchanged when nothing aborted', () => {
    const deadline = start(true);
    const error = upstreamError();
    expect(deadline.explain(error, source)).toBe(error);
  });

  it("propagates the client's abort to its signal", () => {
    const deadline = start(true);
    expect(deadline.callOptions.signal.aborted).toBe(false);
    client.abort();
    expect(deadline.callOptions.signal.aborted).toBe(true);
  });

  it('starts aborted when the client signal already is', () => {
    client.abort();
    const deadline = start(false);
    expect(deadline.callOptions.signal.aborted).toBe(true);
    expect(deadline.explain(upstreamError(), source)).toBeInstanceOf(AbortedError);
  });

  it('explains an error as an AbortedError when the client aborted', () => {
    const deadline = start(false);
    client.abort();
    const explained = deadline.explain(upstreamError(), source);
    expect(explained).toBeInstanceOf(AbortedError);
    expect(explained.kind).toBe('aborted');
  });

  it('keeps an AbortedError the attempt already had when the client aborted', () => {
    const deadline = start(false);
    client.abort();
    const aborted = new AbortedError('client went away mid-body');
    expect(deadline.explain(aborted, source)).toBe(aborted);
  });

  it('cuts a call when what is left of the request budget runs out before its total timeout, and says so', () => {
    const deadline = start(false, 300);
    vi.advanceTimersByTime(299);
    expect(deadline.callOptions.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.callOptions.signal.aborted).toBe(true);
    expect(deadline.expiry).toBe('request');
    const explained = deadline.explain(upstreamError(), source);
    expect(explained).toBeInstanceOf(ProviderTimeoutError);
    expect(explained.message).toBe('model-x had not answered when the request reached its deadline of 5000 ms');
  });

  it('for a stream, the request deadline no longer applies once the answer has begun', () => {
    const deadline = start(true, 50);
    vi.advanceTimersByTime(40);
    deadline.firstToken();
    vi.advanceTimersByTime(TIMEOUT.totalMs - 41);
    expect(deadline.callOptions.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.expiry).toBe('total');
  });

  it('dispose() stops every timer', () => {
    const deadline = start(true);
    deadline.dispose();
    vi.advanceTimersByTime(TIMEOUT.requestMs * 2);
    expect(deadline.callOptions.signal.aborted).toBe(false);
    const error = upstreamError();
    expect(deadline.explain(error, source)).toBe(error);
  });

  it("dispose() stops listening to the client's signal", () => {
    const deadline = start(false);
    deadline.dispose();
    client.abort();
    expect(deadline.callOptions.signal.aborted).toBe(false);
  });

  // A timer that fires after the client went away must not turn the disconnect into a timeout
  // (retryable, and counted against the deployment's circuit breaker): the first cause wins.
  it('explains a client abort as an AbortedError even if a timer fires before dispose()', () => {
    const deadline = start(false);
    vi.advanceTimersByTime(10);
    client.abort();
    vi.advanceTimersByTime(TIMEOUT.totalMs);
    expect(deadline.explain(upstreamError(), source)).toBeInstanceOf(AbortedError);
  });
});

describe('AttemptDeadline and the young generation', () => {
  // Its call options were an object literal with a `signal` getter: V8 (Node 20) keeps such objects past
  // young collections, and with them the attempt's cancellation and all its listeners reach (a request's state).
  it('leaves nothing of an attempt to the old generation once disposed', async () => {
    const client = new CancellationSource();
    const promoted = await promotedBytesPerCall((index) => {
      const deadline = new AttemptDeadline(client, { connectMs: 50, firstTokenMs: 100, totalMs: 60_000, requestMs: 60_000 }, false);
      // What an attempt hangs on its cancellation: a request's worth of objects.
      const state = { index, messages: Array.from({ length: 16 }, (_, turn) => ({ role: 'user', content: `message ${turn} of ${index}` })) };
      deadline.callOptions.cancellation.onAbort(() => state.messages.length);
      deadline.dispose();
    });
    expect(promoted).toBeLessThan(200);
  });
});

describe('AttemptDeadline once the first token came', () => {
  // A stream's deadline lives as long as the stream: a cleared timer it kept would live (with its closure) as long.
  it('keeps only the total timer', () => {
    const deadline = new AttemptDeadline(new CancellationSource(), { connectMs: 50, firstTokenMs: 60_000, totalMs: 60_000, requestMs: 60_000 }, true);
    const timersHeld = (): number => Object.values(deadline).filter((value: unknown) => value instanceof Object && value.constructor.name === 'Timeout').length;
    expect(timersHeld()).toBe(3);
    deadline.firstToken();
    expect(timersHeld()).toBe(1);
    deadline.dispose();
  });
});
