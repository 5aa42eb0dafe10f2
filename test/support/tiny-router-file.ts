import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScoredData } from '../../src/learning/scored-data.js';
import { DEFAULT_FEATURES, DEFAULT_LOGISTIC, trainRouter } from '../../src/learning/train-router.js';
import { syntheticPrompt } from './synthetic-prompts.js';

/**
 * A trained router file over `models`, from synthetic prompts each model scores by `score` (hard
 * prompts are the second half of the synthetic set's kinds): for tests of policies that read a
 * trained classifier. Written to a fresh temp directory; returns its path.
 */
export function tinyRouterFile(models: string[], score: (model: string, hard: boolean) => number, count = 120): string {
  const lines = Array.from({ length: count }, (_, id) => {
    const { prompt, hard } = syntheticPrompt(id);
    return JSON.stringify({ id, prompt, scores: Object.fromEntries(models.map((model) => [model, score(model, hard)])) });
  });
  const { router } = trainRouter(parseScoredData(lines.join('\n'), 'tiny.jsonl'), {
    rename: new Map(),
    models,
    seed: 1,
    holdout: 0,
    features: DEFAULT_FEATURES,
    logistic: DEFAULT_LOGISTIC,
    dataName: 'tiny.jsonl',
  });
  const file = join(mkdtempSync(join(tmpdir(), 'switchyard-router-')), 'router.json');
  writeFileSync(file, JSON.stringify(router.toJSON()));
  return file;
}
