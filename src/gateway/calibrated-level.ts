import type { ResolvedConfig } from '../config/resolved-config.js';
import type { CalibratedLevel } from '../learning/drift-monitor.js';

/**
 * A model's calibrated quality level for the drift alarm: `drift.levels` of the config, else the mean
 * score the router's trained file measured for it on the examples `switchyard train` held out (over all
 * of them, not only those the router sends it: a level, not a promise per route). Undefined: the
 * monitor learns a baseline from the first scores.
 */
export function calibratedLevel(config: ResolvedConfig, router: string, model: string): CalibratedLevel | undefined {
  const configured = config.drift.levels.get(model);
  if (configured !== undefined) return { value: configured, source: 'config' };
  const classifier = config.routers.get(router)?.classifier;
  const trained = classifier?.type === 'trained' ? classifier.model.training?.holdout?.models[model]?.meanScore : undefined;
  return trained === undefined ? undefined : { value: trained, source: 'trained' };
}
