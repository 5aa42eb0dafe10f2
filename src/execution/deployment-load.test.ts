import { describe, expect, it } from 'vitest';
import { DeploymentLoad } from './deployment-load.js';

describe('DeploymentLoad', () => {
  it('counts calls in flight per deployment', () => {
    const load = new DeploymentLoad();
    expect(load.inFlight('a')).toBe(0);
    load.started('a');
    load.started('a');
    load.started('b');
    expect([load.inFlight('a'), load.inFlight('b'), load.inFlight('c')]).toEqual([2, 1, 0]);
    load.finished('a', 10);
    expect([load.inFlight('a'), load.inFlight('b')]).toEqual([1, 1]);
    load.finished('a', undefined);
    load.finished('b', 10);
    expect([load.inFlight('a'), load.inFlight('b')]).toEqual([0, 0]);
  });

  it('never counts below zero when a call finishes that it did not see start', () => {
    const load = new DeploymentLoad();
    load.finished('a', 10);
    expect(load.inFlight('a')).toBe(0);
    load.started('a');
    expect(load.inFlight('a')).toBe(1);
  });

  it('has no latency until a deployment has answered once', () => {
    const load = new DeploymentLoad();
    load.started('a');
    expect(load.latencyMs('a')).toBeUndefined();
    load.finished('a', 40);
    expect(load.latencyMs('a')).toBe(40);
    expect(load.latencyMs('b')).toBeUndefined();
  });

  it('smooths latency with an exponential moving average (newest sample weighs 0.2 by default)', () => {
    const load = new DeploymentLoad();
    const samples = [100, 200, 50, 50];
    for (const sample of samples) {
      load.started('a');
      load.finished('a', sample);
    }
    // 100 → 100 + 0.2·(200 − 100) = 120 → 120 + 0.2·(50 − 120) = 106 → 106 + 0.2·(50 − 106) = 94.8
    expect(load.latencyMs('a')).toBeCloseTo(94.8, 10);
  });

  it('uses the given weight for the newest sample', () => {
    const load = new DeploymentLoad(0.5);
    load.finished('a', 100);
    load.finished('a', 300);
    load.finished('a', 100);
    // 100 → 200 → 150
    expect(load.latencyMs('a')).toBeCloseTo(150, 10);
  });

  it('keeps failures out of the average, but frees their slot', () => {
    const load = new DeploymentLoad();
    load.started('a');
    load.finished('a', 100);
    load.started('a');
    load.started('a');
    load.finished('a', undefined);
    load.finished('a', undefined);
    expect(load.latencyMs('a')).toBe(100);
    expect(load.inFlight('a')).toBe(0);
    // A deployment that has only failed is still unmeasured.
    load.started('b');
    load.finished('b', undefined);
    expect(load.latencyMs('b')).toBeUndefined();
  });

  it('keeps each deployment apart', () => {
    const load = new DeploymentLoad();
    load.finished('a', 10);
    load.finished('b', 1000);
    load.finished('a', 20);
    expect(load.latencyMs('a')).toBeCloseTo(12, 10);
    expect(load.latencyMs('b')).toBe(1000);
  });
});
