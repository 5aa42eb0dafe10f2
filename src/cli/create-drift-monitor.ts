import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { calibratedLevel } from '../gateway/calibrated-level.js';
import { DriftMonitor } from '../learning/drift-monitor.js';

/**
 * The process's drift monitor (`drift:` of the config it starts with): levels from the config serving
 * now (a reload may bring a retrained router file), an alarm as one warn line (the count is in
 * `switchyard_quality_drift_alarms_total`), the end of an episode as an info line.
 */
export function createDriftMonitor(config: ResolvedConfig, logger: Logger, serving: () => ResolvedConfig): DriftMonitor {
  return new DriftMonitor(config.drift, {
    level: (router, _route, model) => calibratedLevel(serving(), router, model),
    onAlarm: (alarm) => {
      const where = `model "${alarm.model}" on router "${alarm.router}"${alarm.route === undefined ? '' : `, route "${alarm.route}"`}`;
      logger.warn(
        {
          drift: { router: alarm.router, route: alarm.route ?? null, model: alarm.model, estimate: alarm.estimate, level: alarm.level, level_source: alarm.levelSource, margin: alarm.margin, samples: alarm.samples },
        },
        `quality drift: ${where} scores ${alarm.estimate.toFixed(3)} over its latest ${alarm.samples} scores, more than ${alarm.margin} below its level ${alarm.level.toFixed(3)} (${alarm.levelSource})`,
      );
    },
    onRecover: (reading) => {
      logger.info({ drift: { router: reading.router, route: reading.route ?? null, model: reading.model, estimate: reading.estimate, level: reading.level ?? null, samples: reading.samples } }, `quality drift over: model "${reading.model}" on router "${reading.router}" is back within the margin`);
    },
  });
}
