import type { QualityObservation, QualityObserver } from '../spec/quality-observation.js';
import type { LevelSource, QualityReading } from '../spec/quality-reading.js';
import { hoeffdingMargin } from './hoeffding-margin.js';

/** `drift:` of the config. */
export type DriftSettings = {
  /** How far below its calibrated level a model's estimate may fall before the alarm. */
  margin: number;
  /** Scores kept per (router, route, model): the estimate is their mean. */
  window: number;
  /** No alarm is tested on fewer scores. */
  minSamples: number;
  /** Without a configured or trained level, the mean of a series' first this many scores is its level. */
  baselineSamples: number;
};

export type CalibratedLevel = { value: number; source: Exclude<LevelSource, 'baseline'> };

/** An alarm: `estimate` is the mean of the latest `samples` scores, the test that fired. */
export type DriftAlarm = {
  router: string;
  route: string | undefined;
  model: string;
  estimate: number;
  samples: number;
  level: number;
  levelSource: LevelSource;
  margin: number;
  at: number;
};

export type DriftMonitorOptions = {
  /** The level from the config or the trained router file, read at each score (a reload may change it); undefined: learn a baseline. */
  level?: (router: string, route: string | undefined, model: string) => CalibratedLevel | undefined;
  onAlarm?: (alarm: DriftAlarm) => void;
  /** The window mean came back to level − margin: the episode is over and the alarm re-armed. */
  onRecover?: (reading: QualityReading) => void;
};

/** α of the test, shared by its scales (Bonferroni): a series whose true mean is at its level alarms at one test with chance at most α·e^(−2·min_samples·margin²). */
export const DRIFT_ALPHA = 0.01;
/** Points a reading keeps for the chart. */
const CHART_POINTS = 120;

/**
 * Per (router, route, model): a window of the latest scores, its mean as the quality estimate, and
 * an alarm when that quality has fallen more than `margin` below the calibrated level.
 *
 * The test: for the latest k scores, at k = min_samples, 2·min_samples, 4·min_samples, ... and the
 * whole window, the one-sided Hoeffding bound says the true mean is below mean_k + sqrt(ln(L/α)/(2k))
 * (L scales, α = 0.01); the alarm fires when, at some scale, that bound is below level − margin.
 * Scores are in [0, 1], so the bound needs no assumption about their distribution. Short scales
 * see a sharp drop within about min_samples scores; long ones a slow slide. A series whose true
 * mean is at its level alarms at one test with chance at most α·e^(−2·min_samples·margin²).
 * One alarm per episode: it re-arms once the mean of the scores since the alarm (at least
 * min_samples of them) is back at level − margin or above; each test looks only at the scores
 * since the last alarm or re-arm.
 */
export class DriftMonitor implements QualityObserver {
  private readonly series = new Map<string, Series>();
  private readonly scales: number;

  constructor(
    readonly settings: DriftSettings,
    private readonly options: DriftMonitorOptions = {},
  ) {
    this.scales = scalesOf(settings.minSamples, settings.window, settings.window).length;
  }

  observe(observation: QualityObservation): void {
    const { score } = observation;
    // The contract says [0, 1]; a score outside it would void the bound.
    if (!(score >= 0 && score <= 1)) return;
    const key = JSON.stringify([observation.router, observation.route ?? null, observation.model]);
    let series = this.series.get(key);
    if (!series) {
      series = new Series(observation.router, observation.route, observation.model, this.settings.window);
      this.series.set(key, series);
    }
    series.add(score, this.settings.baselineSamples);
    series.point(observation.at);
    const level = this.levelOf(series);
    if (level === undefined || series.count < this.settings.minSamples) return;
    const line = level.value - this.settings.margin;
    if (series.alarm) {
      if (series.fresh >= this.settings.minSamples && series.latestMean(series.fresh) >= line) {
        series.alarm = false;
        series.fresh = 0;
        this.options.onRecover?.(this.reading(series));
      }
      return;
    }
    const fired = this.test(series, line);
    if (!fired) return;
    series.alarm = true;
    series.alarms += 1;
    series.fresh = 0;
    const { router, route, model } = series;
    this.options.onAlarm?.({ router, route, model, estimate: fired.mean, samples: fired.samples, level: level.value, levelSource: level.source, margin: this.settings.margin, at: observation.at });
  }

  readings(): QualityReading[] {
    return [...this.series.values()].map((series) => this.reading(series));
  }

  /** The first scale whose upper confidence bound is under `line`. */
  private test(series: Series, line: number): { mean: number; samples: number } | undefined {
    for (const samples of scalesOf(this.settings.minSamples, this.settings.window, series.fresh)) {
      const mean = series.latestMean(samples);
      if (mean + hoeffdingMargin(samples, DRIFT_ALPHA / this.scales) < line) return { mean, samples };
    }
    return undefined;
  }

  private levelOf(series: Series): { value: number; source: LevelSource } | undefined {
    const known = this.options.level?.(series.router, series.route, series.model);
    if (known) return known;
    return series.baseline === undefined ? undefined : { value: series.baseline, source: 'baseline' };
  }

  private reading(series: Series): QualityReading {
    const level = this.levelOf(series);
    return {
      router: series.router,
      route: series.route,
      model: series.model,
      estimate: series.mean(),
      samples: series.count,
      level: level?.value,
      levelSource: level?.source,
      margin: this.settings.margin,
      alarm: series.alarm,
      alarms: series.alarms,
      points: series.chart(),
    };
  }
}

/** min, 2·min, 4·min, ... below `window`, then `window`; none beyond `count` (the scores there are). */
function scalesOf(minSamples: number, window: number, count: number): number[] {
  const scales: number[] = [];
  for (let samples = minSamples; samples < window && samples <= count; samples *= 2) scales.push(samples);
  if (count >= window) scales.push(window);
  else if (count >= minSamples && scales.at(-1) !== count) scales.push(count);
  return scales;
}

class Series {
  private readonly scores: Float64Array;
  /** Where the next score goes in the ring. */
  private next = 0;
  count = 0;
  /** Scores since the last alarm or re-arm (at most the window): each episode is tested on its own scores, so the bad ones that fired an alarm cannot fire the next. */
  fresh = 0;
  private sum = 0;
  private baselineSum = 0;
  private baselineCount = 0;
  baseline: number | undefined;
  alarm = false;
  alarms = 0;
  private readonly points: { at: number; estimate: number }[] = [];

  constructor(
    readonly router: string,
    readonly route: string | undefined,
    readonly model: string,
    window: number,
  ) {
    this.scores = new Float64Array(window);
  }

  add(score: number, baselineSamples: number): void {
    const window = this.scores.length;
    if (this.count === window) this.sum -= this.scores[this.next] as number;
    else this.count += 1;
    this.fresh = Math.min(this.fresh + 1, window);
    this.scores[this.next] = score;
    this.sum += score;
    this.next = (this.next + 1) % window;
    if (this.baseline === undefined) {
      this.baselineSum += score;
      this.baselineCount += 1;
      if (this.baselineCount >= baselineSamples) this.baseline = this.baselineSum / this.baselineCount;
    }
  }

  /** The window mean (the sum is kept as scores come and go; clamped against rounding). */
  mean(): number {
    return Math.min(1, Math.max(0, this.sum / this.count));
  }

  /** Mean of the latest `samples` scores (at most the window). */
  latestMean(samples: number): number {
    if (samples >= this.count) return this.mean();
    const window = this.scores.length;
    let sum = 0;
    for (let back = 1; back <= samples; back += 1) sum += this.scores[(this.next - back + window) % window] as number;
    return sum / samples;
  }

  point(at: number): void {
    this.points.push({ at, estimate: this.mean() });
    if (this.points.length > CHART_POINTS) this.points.shift();
  }

  chart(): { at: number; estimate: number }[] {
    return [...this.points];
  }
}
