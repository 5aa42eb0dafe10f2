import { basename, resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import type { RouterSpec } from '../routing/router-spec.js';
import { pickRouter, replay, type Replay } from '../evaluation/replay.js';
import { inHoldout, parseModelMap, readScoredData, type ScoredExample } from '../learning/scored-data.js';
import { loadTokenizer } from '../tokens/count-tokens.js';
import { UsageError, type CliIo } from './cli-io.js';
import { parseNumberOption } from './number-option.js';

export const DEFAULT_OUTPUT_TOKENS = 256;

/** The options of commands that replay scored data through a router (`eval`, `calibrate`). */
export const REPLAY_OPTIONS = {
  config: { type: 'string', short: 'c' },
  router: { type: 'string', short: 'r' },
  map: { type: 'string', multiple: true },
  'output-tokens': { type: 'string' },
  holdout: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const REPLAY_USAGE = `  -c, --config FILE        Config file (default: $SWITCHYARD_CONFIG, ./switchyard.yaml, or the quickstart config)
  -r, --router NAME        Router (default: "auto", or the only router)
      --map DATA=CATALOG   A data model's name in the config (repeatable)
      --holdout F          Only the examples \`switchyard train --holdout F\` held out (with the same --seed)
      --seed N             Seed of that split (default 1)
      --output-tokens N    Output tokens per answer for catalog costs when the data has none (default ${DEFAULT_OUTPUT_TOKENS})`;

type ReplayValues = {
  config?: string | undefined;
  router?: string | undefined;
  map?: string[] | undefined;
  'output-tokens'?: string | undefined;
  holdout?: string | undefined;
  seed?: string | undefined;
};

/** Loads the config and the data named on the command line and replays the data through the router. */
export async function replayFromArgs(values: ReplayValues, positionals: readonly string[], io: CliIo): Promise<Replay> {
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing DATA.jsonl' : `expected one data file, got ${positionals.length}`);
  const config = loadConfig({ explicit: values.config, env: io.env, cwd: io.cwd });
  const router = pickRouter(config, values.router);
  const dataFile = resolve(io.cwd, positionals[0] as string);
  const examples = selectHeldOut(readScoredData(dataFile), values, { router, dataFile, warn: io.err });
  // Exact prompt token counts for catalog costs.
  await loadTokenizer();
  return replay(config, router, examples, {
    map: parseModelMap(values.map),
    outputTokens: parseNumberOption('--output-tokens', values['output-tokens'], DEFAULT_OUTPUT_TOKENS, { integer: true, min: 0 }),
  });
}

/**
 * Keeps the examples a training run held out, so a router is measured on prompts it never saw;
 * and warns when a router's classifier was trained on this very file and no holdout was asked for.
 */
export function selectHeldOut(
  examples: ScoredExample[],
  values: { holdout?: string | undefined; seed?: string | undefined },
  context: { router: RouterSpec; dataFile: string; warn: (text: string) => void },
): ScoredExample[] {
  if (values.holdout === undefined) {
    if (values.seed !== undefined) throw new UsageError('--seed goes with --holdout');
    const trained = context.router.classifier?.type === 'trained' ? context.router.classifier.model.training : undefined;
    const trainedOn = trained?.data;
    if (trainedOn !== undefined && trainedOn === basename(context.dataFile)) {
      const holdout = trained?.holdoutFraction;
      context.warn(
        `note: router "${context.router.name}"'s classifier was trained on ${trainedOn}; measured on its own training examples it looks better than it is` +
          (holdout ? ` (add --holdout ${holdout} --seed ${trained?.seed ?? 1} to use only the examples it held out)` : ''),
      );
    }
    return examples;
  }
  const fraction = parseNumberOption('--holdout', values.holdout, 0, { min: 0.01, max: 0.9 });
  const seed = parseNumberOption('--seed', values.seed, 1, { integer: true, min: 0 });
  const held = examples.filter((example) => inHoldout(example.id, fraction, seed));
  if (held.length === 0) throw new UsageError(`--holdout ${fraction} --seed ${seed} selects none of the ${examples.length} examples`);
  return held;
}
