import { Counter, Gauge, type Registry } from 'prom-client';
import type { QualityReading } from '../spec/quality-reading.js';

/** What the quality metrics read from the drift monitor at scrape time. */
export type QualityReadings = { readings(): readonly QualityReading[] };

/** Router, route and model names come from the config; the cut bounds their size whatever it says (as in gateway-metrics.ts). */
const MAX_LABEL_LENGTH = 64;

/**
 * `switchyard_quality_estimate`, `switchyard_quality_samples`, `switchyard_quality_level` and
 * `switchyard_quality_drift_alarms_total`, per router, route (`none`: the default) and model. Read
 * from the monitor at scrape time: nothing is added to the request path. The monitor keeps a series
 * per (router, route, model) that was ever scored, so the label sets are bounded by the config.
 */
export function registerQualityMetrics(registry: Registry, quality: QualityReadings): void {
  const registers = [registry];
  const labelNames = ['router', 'route', 'model'] as const;
  const each = (write: (labels: Record<(typeof labelNames)[number], string>, reading: QualityReading) => void): void => {
    for (const reading of quality.readings()) write({ router: label(reading.router), route: label(reading.route), model: label(reading.model) }, reading);
  };
  new Gauge({
    name: 'switchyard_quality_estimate',
    help: 'Rolling quality of a model on a router and route: the mean of its latest scores (shadow judges and feedback, 0..1), over switchyard_quality_samples of them.',
    labelNames,
    registers,
    collect() {
      this.reset();
      each((labels, reading) => this.set(labels, reading.estimate));
    },
  });
  new Gauge({
    name: 'switchyard_quality_samples',
    help: 'Scores behind switchyard_quality_estimate (at most drift.window).',
    labelNames,
    registers,
    collect() {
      this.reset();
      each((labels, reading) => this.set(labels, reading.samples));
    },
  });
  new Gauge({
    name: 'switchyard_quality_level',
    help: 'The calibrated level the estimate is compared with (drift.levels, the trained router file, or the mean of the first drift.baseline_samples scores); absent while a baseline is being learned.',
    labelNames,
    registers,
    collect() {
      this.reset();
      each((labels, reading) => {
        if (reading.level !== undefined) this.set(labels, reading.level);
      });
    },
  });
  new Counter({
    name: 'switchyard_quality_drift_alarms_total',
    help: 'Drift alarms: the quality of a model on a router and route fell more than drift.margin below its calibrated level (once per episode; a warn log line says by how much and on how many scores).',
    labelNames,
    registers,
    collect() {
      this.reset();
      each((labels, reading) => this.inc(labels, reading.alarms));
    },
  });
}

function label(value: string | undefined): string {
  if (value === undefined) return 'none';
  return value.length > MAX_LABEL_LENGTH ? value.slice(0, MAX_LABEL_LENGTH) : value;
}
