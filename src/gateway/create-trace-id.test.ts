import { describe, expect, it } from 'vitest';
import { createTraceId } from './create-trace-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('createTraceId', () => {
  it('has the UUIDv7 layout: version nibble 7 and variant bits 10', () => {
    for (let i = 0; i < 1000; i++) {
      const id = createTraceId();
      expect(id).toMatch(UUID_V7);
      const variant = Number.parseInt(id.charAt(19), 16);
      expect(variant >> 2).toBe(0b10);
    }
  });

  it('is unique over 10k calls, even within the same millisecond', () => {
    const now = Date.parse('2025-06-01T00:00:00Z');
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) ids.add(createTraceId(now));
    expect(ids.size).toBe(10_000);
  });

  it('is unique over 10k calls with the real clock', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) ids.add(createTraceId());
    expect(ids.size).toBe(10_000);
  });

  it('sorts lexicographically in creation order when now increases', () => {
    const start = Date.parse('2025-06-01T00:00:00Z');
    const ids: string[] = [];
    for (let step = 0; step < 2000; step++) ids.push(createTraceId(start + step * 7));
    // Also across a change of the leading hex digit and far apart times.
    ids.push(createTraceId(0xffff_ffff_fff), createTraceId(0x1000_0000_0000));
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
  });

  it('encodes the timestamp in the first 48 bits', () => {
    for (const now of [0, 1, Date.parse('2025-06-01T12:34:56.789Z'), 2 ** 48 - 1]) {
      const id = createTraceId(now);
      const hex = id.replace(/-/g, '');
      expect(Number.parseInt(hex.slice(0, 12), 16)).toBe(now);
    }
  });

  it('uses the current time by default', () => {
    const before = Date.now();
    const id = createTraceId();
    const after = Date.now();
    const timestamp = Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);
  });

  it('fills the random bits: ids with the same timestamp differ after the version nibble', () => {
    const now = Date.parse('2025-06-01T00:00:00Z');
    const a = createTraceId(now);
    const b = createTraceId(now);
    expect(a.slice(0, 15)).toBe(b.slice(0, 15));
    expect(a.slice(15)).not.toBe(b.slice(15));
  });
});
