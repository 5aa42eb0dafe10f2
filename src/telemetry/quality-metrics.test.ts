import { describe, expect, it } from 'vitest';
import type { QualityReading } from '../spec/quality-reading.js';
import { GatewayMetrics } from './gateway-metrics.js';

const reading = (fields: Partial<QualityReading>): QualityReading => ({
  router: 'auto',
  route: undefined,
  model: 'cheap',
  estimate: 0.5,
  samples: 40,
  level: 0.9,
  levelSource: 'config',
  margin: 0.1,
  alarm: true,
  alarms: 2,
  points: [],
  ...fields,
});

describe('quality metrics', () => {
  it('exports the monitor’s estimate, samples, level and alarms per router, route and model, read at scrape time', async () => {
    const readings: QualityReading[] = [];
    const metrics = new GatewayMetrics({ processMetrics: false, quality: { readings: () => readings } });
    readings.push(reading({}), reading({ route: 'code', model: 'm'.repeat(80), estimate: 0.95, samples: 12, level: undefined, levelSource: undefined, alarm: false, alarms: 0 }));
    const text = await metrics.render();
    const long = 'm'.repeat(64);
    expect(text).toContain('switchyard_quality_estimate{router="auto",route="none",model="cheap"} 0.5');
    expect(text).toContain('switchyard_quality_samples{router="auto",route="none",model="cheap"} 40');
    expect(text).toContain('switchyard_quality_level{router="auto",route="none",model="cheap"} 0.9');
    expect(text).toContain('switchyard_quality_drift_alarms_total{router="auto",route="none",model="cheap"} 2');
    expect(text).toContain(`switchyard_quality_estimate{router="auto",route="code",model="${long}"} 0.95`);
    expect(text).toContain(`switchyard_quality_drift_alarms_total{router="auto",route="code",model="${long}"} 0`);
    // No level while a baseline is being learned: no series rather than a made-up 0.
    expect(text).not.toMatch(/switchyard_quality_level\{[^}]*route="code"/);
    // A series the monitor no longer reports is gone at the next scrape.
    readings.splice(1);
    expect(await metrics.render()).not.toContain('route="code"');
  });

  it('adds nothing to /metrics without a monitor', async () => {
    expect(await new GatewayMetrics({ processMetrics: false }).render()).not.toContain('switchyard_quality');
  });
});
