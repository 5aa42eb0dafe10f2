import { describe, expect, it } from 'vitest';
import type { Trace } from '../spec/trace.js';
import { RecentTraces } from './trace-sink.js';

function trace(id: string): Trace {
  return { id } as Trace;
}

function ids(traces: readonly Trace[]): string[] {
  return traces.map((item) => item.id);
}

describe('RecentTraces', () => {
  it('is empty at first', () => {
    const traces = new RecentTraces(3);
    expect(traces.list()).toEqual([]);
    expect(traces.get('t1')).toBeUndefined();
  });

  it('lists traces newest first before the buffer is full', () => {
    const traces = new RecentTraces(5);
    for (const id of ['t1', 't2', 't3']) traces.record(trace(id));
    expect(ids(traces.list())).toEqual(['t3', 't2', 't1']);
  });

  it('lists exactly capacity traces, newest first, when full', () => {
    const traces = new RecentTraces(3);
    for (const id of ['t1', 't2', 't3']) traces.record(trace(id));
    expect(ids(traces.list())).toEqual(['t3', 't2', 't1']);
  });

  it('keeps at most capacity traces, dropping the oldest', () => {
    const traces = new RecentTraces(3);
    for (let i = 1; i <= 8; i++) traces.record(trace(`t${i}`));
    expect(ids(traces.list())).toEqual(['t8', 't7', 't6']);
  });

  it('stays newest first after wrapping around several times', () => {
    const traces = new RecentTraces(4);
    for (let i = 1; i <= 10; i++) {
      traces.record(trace(`t${i}`));
      const expected = [];
      for (let j = i; j > Math.max(0, i - 4); j--) expected.push(`t${j}`);
      expect(ids(traces.list()), `after ${i}`).toEqual(expected);
    }
  });

  it('get finds a kept trace', () => {
    const traces = new RecentTraces(3);
    const kept = trace('t2');
    traces.record(trace('t1'));
    traces.record(kept);
    expect(traces.get('t2')).toBe(kept);
  });

  it('get does not find an evicted trace', () => {
    const traces = new RecentTraces(2);
    for (const id of ['t1', 't2', 't3']) traces.record(trace(id));
    expect(traces.get('t1')).toBeUndefined();
    expect(traces.get('t2')?.id).toBe('t2');
    expect(traces.get('t3')?.id).toBe('t3');
  });

  it('get returns undefined for an unknown id', () => {
    const traces = new RecentTraces(2);
    traces.record(trace('t1'));
    expect(traces.get('nope')).toBeUndefined();
  });

  it('works with a capacity of 1', () => {
    const traces = new RecentTraces(1);
    traces.record(trace('t1'));
    traces.record(trace('t2'));
    expect(ids(traces.list())).toEqual(['t2']);
    expect(traces.get('t1')).toBeUndefined();
  });

  it('keeps nothing with a capacity of 0', () => {
    const traces = new RecentTraces(0);
    traces.record(trace('t1'));
    expect(traces.capacity).toBe(0);
    expect(traces.list()).toEqual([]);
    expect(traces.get('t1')).toBeUndefined();
  });

  it('keeps 1000 traces by default', () => {
    const traces = new RecentTraces();
    for (let i = 0; i <= 1000; i++) traces.record(trace(`t${i}`));
    const list = traces.list();
    expect(list).toHaveLength(1000);
    expect(list[0]?.id).toBe('t1000');
    expect(list[999]?.id).toBe('t1');
    expect(traces.get('t0')).toBeUndefined();
  });
});
