import type { QualityReading } from '../../spec/quality-reading.js';
import { sendJson } from '../http-io.js';
import type { Handler } from './handler-context.js';

/**
 * `GET /v1/quality`: the drift monitor's rolling quality estimate per router, route and model, with
 * its level, sample size, alarm and recent points (the dashboard's Quality chart). The estimates mix
 * every caller's feedback and shadow scores, so a virtual key, which sees only its own traces
 * elsewhere, gets an empty list; admin and static keys (and anyone on an open gateway) see all.
 * `enabled` is false when the gateway has no monitor (a library gateway without `qualityObserver`).
 */
export const handleQuality: Handler = async ({ response, gateway, caller }) => {
  const readings = gateway.qualityReadings();
  const visible = caller.kind === 'key' ? [] : (readings ?? []);
  sendJson(response, 200, { object: 'quality', enabled: readings !== undefined, data: visible.map(readingJson) });
};

function readingJson(reading: QualityReading): Record<string, unknown> {
  return {
    router: reading.router,
    route: reading.route ?? null,
    model: reading.model,
    estimate: reading.estimate,
    samples: reading.samples,
    level: reading.level ?? null,
    level_source: reading.levelSource ?? null,
    margin: reading.margin,
    alarm: reading.alarm,
    alarms: reading.alarms,
    points: reading.points,
  };
}
