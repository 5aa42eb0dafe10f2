import type { DriftSettings } from '../learning/drift-monitor.js';
import type { ConfigPath } from './interpolate-env.js';
import type { ParsedConfig } from './config-schema.js';

export type DriftConfig = DriftSettings & {
  /** `drift.levels`: the calibrated level of a model, whatever the router. */
  levels: ReadonlyMap<string, number>;
};

/** `drift:` with each model of `levels` checked against the catalog. */
export function resolveDrift(parsed: ParsedConfig['drift'], checkModel: (name: string, path: ConfigPath) => boolean): DriftConfig {
  const levels = new Map<string, number>();
  for (const [model, level] of Object.entries(parsed.levels)) if (checkModel(model, ['drift', 'levels', model])) levels.set(model, level);
  return { margin: parsed.margin, window: parsed.window, minSamples: parsed.min_samples, baselineSamples: parsed.baseline_samples, levels };
}
