import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { calibratedLevel } from '../../src/gateway/calibrated-level.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScoredData } from '../../src/learning/scored-data.js';
import { DEFAULT_FEATURES, DEFAULT_LOGISTIC, trainRouter } from '../../src/learning/train-router.js';
import { configErrorsOf } from '../support/config-errors-of.js';
import { syntheticPrompt } from '../support/synthetic-prompts.js';

/** A trained router file whose holdout record has each model's mean score (cheap passes the easy half, strong all). */
function trainedWithHoldout(): { file: string; cheapMean: number } {
  const lines = Array.from({ length: 120 }, (_, id) => {
    const { prompt, hard } = syntheticPrompt(id);
    return JSON.stringify({ id, prompt, scores: { cheap: hard ? 0 : 1, strong: 1 } });
  });
  const { router } = trainRouter(parseScoredData(lines.join('\n'), 'tiny.jsonl'), {
    rename: new Map(),
    models: ['cheap', 'strong'],
    seed: 1,
    holdout: 0.25,
    features: DEFAULT_FEATURES,
    logistic: DEFAULT_LOGISTIC,
    dataName: 'tiny.jsonl',
  });
  const file = join(mkdtempSync(join(tmpdir(), 'switchyard-drift-')), 'router.json');
  writeFileSync(file, JSON.stringify(router.toJSON()));
  const cheapMean = router.training?.holdout?.models['cheap']?.meanScore;
  if (cheapMean === undefined) throw new Error('the trained file has no holdout record');
  return { file, cheapMean };
}

const MODELS = `
providers:
  rehearsal: { type: mock }
models:
  cheap: { provider: rehearsal, price: { input: 1, output: 2 } }
  strong: { provider: rehearsal, price: { input: 5, output: 20 } }
routers:
  auto: { default: cheap }
`;

describe('drift:', () => {
  it('has documented defaults when absent, and no configured level', () => {
    const config = parseConfig(MODELS, 'switchyard.yaml', { env: {} });
    expect(config.drift).toEqual({ margin: 0.1, window: 200, minSamples: 30, baselineSamples: 100, levels: new Map() });
    expect(calibratedLevel(config, 'auto', 'cheap')).toBeUndefined();
  });

  it('resolves what is written, and a configured level is the level of that model under every router', () => {
    const config = parseConfig(`drift:\n  margin: 0.05\n  window: 500\n  min_samples: 50\n  baseline_samples: 250\n  levels: { cheap: 0.82 }\n${MODELS}`, 'switchyard.yaml', { env: {} });
    expect(config.drift).toEqual({ margin: 0.05, window: 500, minSamples: 50, baselineSamples: 250, levels: new Map([['cheap', 0.82]]) });
    expect(calibratedLevel(config, 'auto', 'cheap')).toEqual({ value: 0.82, source: 'config' });
    expect(calibratedLevel(config, 'auto', 'strong')).toBeUndefined();
  });

  it("takes a trained router's level from its file's holdout record, and a configured level over it", () => {
    const { file, cheapMean } = trainedWithHoldout();
    expect(cheapMean).toBeGreaterThan(0.2);
    expect(cheapMean).toBeLessThan(0.8);
    const trained = `
providers:
  rehearsal: { type: mock }
models:
  cheap: { provider: rehearsal, price: { input: 1, output: 2 } }
  strong: { provider: rehearsal, price: { input: 5, output: 20 } }
routers:
  learned:
    classifier: { type: trained, path: "${file}" }
    default: { cheapest_above: { models: [cheap, strong], min_quality: 0.5 } }
`;
    const config = parseConfig(trained, 'switchyard.yaml', { env: {} });
    expect(calibratedLevel(config, 'learned', 'cheap')).toEqual({ value: cheapMean, source: 'trained' });
    expect(calibratedLevel(config, 'learned', 'strong')).toEqual({ value: 1, source: 'trained' });
    expect(calibratedLevel(config, 'other', 'cheap')).toBeUndefined();
    const configured = parseConfig(`drift:\n  levels: { cheap: 0.6 }\n${trained}`, 'switchyard.yaml', { env: {} });
    expect(calibratedLevel(configured, 'learned', 'cheap')).toEqual({ value: 0.6, source: 'config' });
  });

  it('names the file, line and key of a bad value, an unknown key, min_samples above window, and an unknown model', () => {
    const message = configErrorsOf(`drift:\n  margin: 1.5\n  windw: 10\n${MODELS}`).message;
    expect(message).toMatch(/switchyard\.yaml:2:\d+: drift\.margin: /);
    expect(message).toMatch(/switchyard\.yaml:3:\d+: drift.*windw/);
    expect(configErrorsOf(`drift:\n  window: 20\n  min_samples: 30\n${MODELS}`).message).toMatch(/switchyard\.yaml:3:\d+: drift\.min_samples: expected at most `window` scores/);
    expect(configErrorsOf(`drift:\n  levels:\n    chep: 0.9\n${MODELS}`).message).toMatch(/switchyard\.yaml:3:\d+: drift\.levels\.chep: unknown model "chep" \(did you mean "cheap"\?\)/);
    expect(configErrorsOf(`drift:\n  levels: { cheap: 1.2 }\n${MODELS}`).message).toMatch(/switchyard\.yaml:2:\d+: drift\.levels\.cheap: /);
  });
});
