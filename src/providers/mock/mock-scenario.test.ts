import { describe, expect, it } from 'vitest';
import type { MockProviderConfig } from './mock-provider-config.js';
import { MockScenario, type MockOutcome } from './mock-scenario.js';
import { seededRandom } from '../../util/seeded-random.js';

function mockConfig(fields: Partial<MockProviderConfig> = {}): MockProviderConfig {
  return {
    type: 'mock',
    name: 'rehearsal',
    disabled: undefined,
    reliability: { retry: {}, timeout: {}, circuitBreaker: {} },
    upstreamUrl: undefined,
    seed: 42,
    latencyMs: { min: 10, max: 50 },
    chunkDelayMs: 0,
    reply: undefined,
    faults: [
      { kind: 'error', status: 503, rate: 0.2 },
      { kind: 'reset', rate: 0.1 },
    ],
    script: [],
    ...fields,
  };
}

function draw(scenario: MockScenario, count: number): MockOutcome[] {
  return Array.from({ length: count }, () => scenario.next());
}

function share(outcomes: MockOutcome[], kind: string): number {
  return outcomes.filter((outcome) => outcome.fault?.kind === kind).length / outcomes.length;
}

describe('seededRandom', () => {
  it('gives the same sequence for the same seed', () => {
    const first = seededRandom(7);
    const second = seededRandom(7);
    const a = Array.from({ length: 100 }, first);
    const b = Array.from({ length: 100 }, second);
    expect(a).toEqual(b);
  });

  it('is mulberry32: the same numbers as the reference implementation, on every machine', () => {
    const random = seededRandom(1);
    expect([random(), random(), random()].map((value) => value * 2 ** 32)).toEqual([2693262067, 11749833, 2265367787]);
  });

  it('gives a different sequence for a different seed', () => {
    const a = Array.from({ length: 20 }, seededRandom(7));
    const b = Array.from({ length: 20 }, seededRandom(8));
    expect(a).not.toEqual(b);
  });

  it('draws numbers in [0, 1) spread over the whole range', () => {
    const values = Array.from({ length: 10_000 }, seededRandom(123));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(values.filter((value) => value < 0.1).length / values.length).toBeGreaterThan(0.08);
    expect(values.filter((value) => value >= 0.9).length / values.length).toBeGreaterThan(0.08);
  });

  it('does not repeat a value within a short run', () => {
    const values = Array.from({ length: 1_000 }, seededRandom(0));
    expect(new Set(values).size).toBe(values.length);
  });
});

describe('MockScenario', () => {
  it('gives the same outcomes and latencies for the same seed', () => {
    const a = draw(new MockScenario(mockConfig({ seed: 5 })), 200);
    const b = draw(new MockScenario(mockConfig({ seed: 5 })), 200);
    expect(a).toEqual(b);
  });

  it('gives different outcomes and latencies for a different seed', () => {
    const a = draw(new MockScenario(mockConfig({ seed: 5 })), 50);
    const b = draw(new MockScenario(mockConfig({ seed: 6 })), 50);
    expect(a.map((outcome) => outcome.latencyMs)).not.toEqual(b.map((outcome) => outcome.latencyMs));
    expect(a.map((outcome) => outcome.fault?.kind)).not.toEqual(b.map((outcome) => outcome.fault?.kind));
  });

  it('follows the script in order first, then draws random faults', () => {
    const scenario = new MockScenario(
      mockConfig({
        script: ['ok', { kind: 'reset' }, { kind: 'error', status: 429, retry_after_ms: 100 }, 'ok'],
        faults: [{ kind: 'stall', ms: 5_000, rate: 1 }],
      }),
    );
    expect(draw(scenario, 6).map((outcome) => outcome.fault)).toEqual([
      undefined,
      { kind: 'reset' },
      { kind: 'error', status: 429, retry_after_ms: 100 },
      undefined,
      { kind: 'stall', ms: 5_000, rate: 1 },
      { kind: 'stall', ms: 5_000, rate: 1 },
    ]);
  });

  it('has no fault without faults or script', () => {
    const outcomes = draw(new MockScenario(mockConfig({ faults: [] })), 500);
    expect(outcomes.every((outcome) => outcome.fault === undefined)).toBe(true);
  });

  it('respects a fault rate over many draws', () => {
    const outcomes = draw(new MockScenario(mockConfig({ faults: [{ kind: 'error', status: 503, rate: 0.3 }] })), 5_000);
    const rate = share(outcomes, 'error');
    expect(rate).toBeGreaterThan(0.25);
    expect(rate).toBeLessThan(0.35);
  });

  it('respects each rate when there are several faults', () => {
    const outcomes = draw(new MockScenario(mockConfig()), 5_000);
    expect(share(outcomes, 'error')).toBeGreaterThan(0.17);
    expect(share(outcomes, 'error')).toBeLessThan(0.23);
    expect(share(outcomes, 'reset')).toBeGreaterThan(0.08);
    expect(share(outcomes, 'reset')).toBeLessThan(0.12);
    const clean = outcomes.filter((outcome) => outcome.fault === undefined).length / outcomes.length;
    expect(clean).toBeGreaterThan(0.66);
    expect(clean).toBeLessThan(0.74);
  });

  it('never draws a fault of rate 0', () => {
    const outcomes = draw(new MockScenario(mockConfig({ faults: [{ kind: 'malformed', rate: 0 }] })), 2_000);
    expect(share(outcomes, 'malformed')).toBe(0);
  });

  it('keeps latency within [min, max], using the whole range', () => {
    const outcomes = draw(new MockScenario(mockConfig({ latencyMs: { min: 100, max: 200 } })), 2_000);
    const latencies = outcomes.map((outcome) => outcome.latencyMs);
    expect(latencies.every((latency) => Number.isInteger(latency) && latency >= 100 && latency <= 200)).toBe(true);
    expect(Math.min(...latencies)).toBeLessThan(105);
    expect(Math.max(...latencies)).toBeGreaterThan(195);
  });

  it('has a fixed latency when min equals max, scripted calls included', () => {
    const outcomes = draw(new MockScenario(mockConfig({ latencyMs: { min: 30, max: 30 }, script: ['ok', { kind: 'malformed' }] })), 50);
    expect(outcomes.every((outcome) => outcome.latencyMs === 30)).toBe(true);
  });
});
