import { describe, expect, it } from 'vitest';
import { DriftMonitor, type CalibratedLevel, type DriftAlarm, type DriftSettings } from './drift-monitor.js';
import type { QualityReading } from '../spec/quality-reading.js';
import { seededRandom } from '../util/seeded-random.js';

const SETTINGS: DriftSettings = { margin: 0.1, window: 200, minSamples: 30, baselineSamples: 100 };

type Run = { alarms: { index: number; alarm: DriftAlarm }[]; recoveries: number[]; monitor: DriftMonitor };

/** Feeds `total` pass/fail scores of one model: pass with `before` until `change`, with `after` from then on. */
function run(options: { seed: number; total: number; before: number; after?: number; change?: number; level?: CalibratedLevel; settings?: DriftSettings }): Run {
  const random = seededRandom(options.seed);
  const alarms: Run['alarms'] = [];
  const recoveries: number[] = [];
  let index = 0;
  const monitor = new DriftMonitor(options.settings ?? SETTINGS, {
    ...(options.level ? { level: () => options.level } : {}),
    onAlarm: (alarm) => alarms.push({ index, alarm }),
    onRecover: () => recoveries.push(index),
  });
  for (index = 0; index < options.total; index += 1) {
    const pass = index < (options.change ?? Infinity) ? options.before : (options.after ?? options.before);
    monitor.observe({ router: 'auto', route: 'default', model: 'cheap', score: random() < pass ? 1 : 0, source: 'shadow', traceId: `t${index}`, at: index });
  }
  return { alarms, recoveries, monitor };
}

const CONFIGURED: CalibratedLevel = { value: 0.9, source: 'config' };

function only(readings: readonly QualityReading[]): QualityReading {
  expect(readings).toHaveLength(1);
  return readings[0] as QualityReading;
}

describe('DriftMonitor', () => {
  it('raises no alarm on a stationary 0.9 stream: 20 seeded streams of 5,000 scores, with a configured level and with a learned baseline', () => {
    for (let seed = 1; seed <= 20; seed += 1) {
      expect(run({ seed, total: 5_000, before: 0.9, level: CONFIGURED }).alarms).toEqual([]);
      expect(run({ seed: seed + 100, total: 5_000, before: 0.9 }).alarms).toEqual([]);
    }
  });

  it('alarms within 100 scores of a drop from 0.9 to 0.45, never before it, with the sample size and the mean of the test that fired', () => {
    const delays: number[] = [];
    for (let seed = 1; seed <= 20; seed += 1) {
      const { alarms } = run({ seed: seed + 1_000, total: 1_300, before: 0.9, after: 0.45, change: 1_000, level: CONFIGURED });
      expect(alarms.length, `seed ${seed}`).toBe(1);
      const [{ index, alarm }] = alarms as [Run['alarms'][number]];
      expect(index, `seed ${seed}: fired before the change`).toBeGreaterThanOrEqual(1_000);
      delays.push(index - 1_000 + 1);
      expect(alarm).toMatchObject({ router: 'auto', route: 'default', model: 'cheap', level: 0.9, levelSource: 'config', margin: 0.1 });
      expect([30, 60, 120, 200]).toContain(alarm.samples);
      expect(alarm.estimate).toBeLessThan(0.8);
    }
    // Simulated over 200 streams (scratch/w24/drift/simulate.ts): median 28, p95 52, max 62 scores.
    expect(Math.max(...delays)).toBeLessThanOrEqual(100);
  });

  it('fires once per episode and re-arms when the scores since the alarm come back to level - margin', () => {
    const monitor = new DriftMonitor(SETTINGS, { level: () => CONFIGURED, onAlarm: (alarm) => alarms.push(alarm), onRecover: () => (recovered += 1) });
    const alarms: DriftAlarm[] = [];
    let recovered = 0;
    let at = 0;
    const feed = (score: number, count: number): void => {
      for (let index = 0; index < count; index += 1) monitor.observe({ router: 'auto', route: undefined, model: 'cheap', score, source: 'feedback', traceId: `t${at}`, at: (at += 1) });
    };
    feed(0, 500);
    expect(alarms).toHaveLength(1);
    expect(only(monitor.readings())).toMatchObject({ alarm: true, alarms: 1, estimate: 0, samples: 200 });
    feed(1, 160);
    // 160 ones in a window of 200: mean 0.8, back at the line.
    expect(recovered).toBe(1);
    expect(only(monitor.readings())).toMatchObject({ alarm: false, alarms: 1 });
    feed(0, 300);
    expect(alarms).toHaveLength(2);
    expect(only(monitor.readings())).toMatchObject({ alarm: true, alarms: 2 });
  });

  it('tests nothing before min_samples scores: a model failing from the start alarms at score 30, not 29', () => {
    const { alarms } = run({ seed: 7, total: 40, before: 0, level: CONFIGURED });
    expect(alarms.map((entry) => entry.index)).toEqual([29]);
    expect(alarms[0]?.alarm).toMatchObject({ samples: 30, estimate: 0 });
  });

  it('without a configured or trained level learns one from the first baseline_samples scores, and alarms on nothing before', () => {
    const early = run({ seed: 3, total: 99, before: 0 });
    expect(early.alarms).toEqual([]);
    expect(only(early.monitor.readings())).toMatchObject({ level: undefined, levelSource: undefined, samples: 99 });
    const learned = run({ seed: 3, total: 100, before: 0.9 });
    const reading = only(learned.monitor.readings());
    expect(reading.levelSource).toBe('baseline');
    expect(reading.level).toBeCloseTo(reading.estimate, 12);
    // A trained or configured level wins over the baseline.
    expect(only(run({ seed: 3, total: 100, before: 0.9, level: { value: 0.7, source: 'trained' } }).monitor.readings())).toMatchObject({ level: 0.7, levelSource: 'trained' });
  });

  it('keeps one series per router, route and model, a window of the latest scores and a bounded chart; ignores scores outside [0, 1]', () => {
    const monitor = new DriftMonitor({ ...SETTINGS, window: 50 });
    const observe = (model: string, route: string | undefined, score: number, at: number): void =>
      monitor.observe({ router: 'auto', route, model, score, source: 'shadow', traceId: `t${at}`, at });
    for (let at = 0; at < 300; at += 1) observe('cheap', undefined, at < 250 ? 0 : 1, at);
    observe('cheap', 'code', 0.5, 300);
    observe('strong', undefined, 0.25, 301);
    observe('strong', undefined, Number.NaN, 302);
    observe('strong', undefined, 1.5, 303);
    const readings = monitor.readings();
    expect(readings.map((reading) => [reading.model, reading.route, reading.samples, reading.estimate])).toEqual([
      ['cheap', undefined, 50, 1],
      ['cheap', 'code', 1, 0.5],
      ['strong', undefined, 1, 0.25],
    ]);
    const points = readings[0]?.points ?? [];
    expect(points).toHaveLength(120);
    expect(points.at(-1)).toEqual({ at: 299, estimate: 1 });
    expect(points[0]).toEqual({ at: 180, estimate: 0 });
  });
});
