import { describe, expect, it } from 'vitest';
import { Cancellation, CancellationSource, toCancellation } from './cancellation.js';

describe('CancellationSource', () => {
  it('calls each listener once on abort, and is aborted from then on', () => {
    const source = new CancellationSource();
    const calls: string[] = [];
    source.onAbort(() => calls.push('a'));
    source.onAbort(() => calls.push('b'));
    expect(source.aborted).toBe(false);
    source.abort();
    source.abort();
    expect(source.aborted).toBe(true);
    expect(calls).toEqual(['a', 'b']);
  });

  it('does not call a listener that was removed', () => {
    const source = new CancellationSource();
    const calls: string[] = [];
    const remove = source.onAbort(() => calls.push('removed'));
    source.onAbort(() => calls.push('kept'));
    remove();
    source.abort();
    expect(calls).toEqual(['kept']);
  });

  it('makes its AbortSignal only when asked, aborted with it either way round', () => {
    const before = new CancellationSource();
    const signal = before.signal;
    expect(before.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    before.abort();
    expect(signal.aborted).toBe(true);

    const after = new CancellationSource();
    after.abort();
    expect(after.signal.aborted).toBe(true);
  });
});

describe('Cancellation.of', () => {
  it('follows an AbortSignal, and a listener removed is not called', () => {
    const controller = new AbortController();
    const cancellation = Cancellation.of(controller.signal);
    const calls: string[] = [];
    cancellation.onAbort(() => calls.push('kept'));
    cancellation.onAbort(() => calls.push('removed'))();
    expect(cancellation.signal).toBe(controller.signal);
    expect(cancellation.aborted).toBe(false);
    controller.abort();
    expect(cancellation.aborted).toBe(true);
    expect(calls).toEqual(['kept']);
  });
});

describe('toCancellation', () => {
  it('passes a Cancellation through, wraps a signal, and never aborts for none', () => {
    const source = new CancellationSource();
    expect(toCancellation(source)).toBe(source);
    const controller = new AbortController();
    controller.abort();
    expect(toCancellation(controller.signal).aborted).toBe(true);
    const never = toCancellation(undefined);
    expect(never).toBe(Cancellation.NEVER);
    expect(never.aborted).toBe(false);
    expect(never.signal.aborted).toBe(false);
  });
});
