import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseModelMap, readScoredData, scoredModels } from '../learning/scored-data.js';
import { DEFAULT_FEATURES, DEFAULT_LOGISTIC, trainRouter } from '../learning/train-router.js';
import type { TrainedRouter } from '../learning/trained-router.js';
import { listNames } from '../util/describe-value.js';
import { reportFailure, UsageError, type CliIo } from './cli-io.js';
import { formatNumber, formatTable } from './format-table.js';
import { parseNumberOption } from './number-option.js';

export const TRAIN_USAGE = `Usage: switchyard train DATA.jsonl --out FILE [options]

Fits a router that predicts each model's score for a prompt from its text (hashed words and word
pairs plus dense text statistics; one logistic model per scored model) and writes it as a
versioned JSON file that a router loads with \`classifier: { type: trained, path: FILE }\`.
Deterministic for the same data and seed. Reports its quality on examples it held out.

Options:
  -o, --out FILE           Where to write the trained router (required)
      --map DATA=CATALOG   Name a data model as a catalog model in the file (repeatable)
      --models A,B,...     Data models to train (default: every model scored on every example)
      --seed N             Seed of the split and of training (default 1)
      --holdout F          Share of examples held out to report on, 0..0.9 (default 0.2; 0 trains on all)
      --epochs N           Passes over the data (default ${DEFAULT_LOGISTIC.epochs})
      --learning-rate X    Adagrad step (default ${DEFAULT_LOGISTIC.learningRate})
      --l2 X               L2 penalty (default ${DEFAULT_LOGISTIC.l2})
      --dense-scale X      Weight of the dense text statistics, 0 to leave them out (default ${DEFAULT_FEATURES.denseScale})
      --json               Print the training record as JSON
  -h, --help               Show this help`;

export function trainCommand(args: string[], io: CliIo): number {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        out: { type: 'string', short: 'o' },
        map: { type: 'string', multiple: true },
        models: { type: 'string' },
        seed: { type: 'string' },
        holdout: { type: 'string' },
        epochs: { type: 'string' },
        'learning-rate': { type: 'string' },
        l2: { type: 'string' },
        'dense-scale': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
    if (values.help) {
      io.out(TRAIN_USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing DATA.jsonl' : `expected one data file, got ${positionals.length}`);
    if (values.out === undefined) throw new UsageError('missing --out FILE');
    const dataFile = resolve(io.cwd, positionals[0] as string);
    const examples = readScoredData(dataFile);
    const { complete, partial } = scoredModels(examples.filter((example) => !example.contaminated));
    let models = complete;
    if (values.models !== undefined) {
      models = values.models.split(',').map((name) => name.trim()).filter((name) => name !== '');
      const unknown = models.filter((model) => !complete.includes(model));
      if (unknown.length > 0) {
        throw new UsageError(`--models: ${listNames(unknown)} ${unknown.length === 1 ? 'is' : 'are'} not scored on every example; models scored on every example: ${listNames(complete)}`);
      }
    }
    if (models.length === 0) throw new UsageError(`no model is scored on every example${partial.length > 0 ? ` (partly scored: ${listNames(partial)})` : ''}`);
    const seed = parseNumberOption('--seed', values.seed, 1, { integer: true, min: 0 });
    const holdout = parseNumberOption('--holdout', values.holdout, 0.2, { min: 0, max: 0.9 });
    const result = trainRouter(examples, {
      rename: parseModelMap(values.map),
      models,
      seed,
      holdout,
      features: { ...DEFAULT_FEATURES, denseScale: parseNumberOption('--dense-scale', values['dense-scale'], DEFAULT_FEATURES.denseScale, { min: 0 }) },
      logistic: {
        epochs: parseNumberOption('--epochs', values.epochs, DEFAULT_LOGISTIC.epochs, { integer: true, min: 1, max: 200 }),
        learningRate: parseNumberOption('--learning-rate', values['learning-rate'], DEFAULT_LOGISTIC.learningRate, { min: 1e-6 }),
        l2: parseNumberOption('--l2', values.l2, DEFAULT_LOGISTIC.l2, { min: 0 }),
      },
      dataName: dataFile,
    });
    const out = resolve(io.cwd, values.out);
    writeFileSync(out, `${JSON.stringify(result.router.toJSON())}\n`);
    if (values.json) io.out(JSON.stringify({ out, seconds: result.seconds, ...result.router.training }, null, 2));
    else io.out(formatTraining(result.router, out, result.seconds));
    return 0;
  } catch (error) {
    return reportFailure(io, error, TRAIN_USAGE);
  }
}

function formatTraining(router: TrainedRouter, out: string, seconds: number): string {
  const record = router.training;
  const lines = [`Trained a router for ${router.models.length} models on ${record?.examples ?? '?'} examples in ${seconds} s; wrote ${out}`];
  const holdout = record?.holdout;
  if (!holdout) {
    lines.push('No examples were held out (--holdout 0), so there is no quality report.');
    return lines.join('\n');
  }
  lines.push('', `On ${holdout.examples} held-out examples:`);
  lines.push(
    formatTable(
      ['model', 'mean score', 'mean predicted', 'log loss', 'AUC'],
      Object.entries(holdout.models).map(([model, stats]) => [
        model,
        formatNumber(stats.meanScore, 3),
        formatNumber(stats.meanPredicted, 3),
        formatNumber(stats.logLoss, 3),
        stats.auc === undefined ? 'n/a' : formatNumber(stats.auc, 3),
      ]),
    ),
  );
  if (holdout.twoModel) {
    const { strong, weak, apgr, cpt50, cpt80 } = holdout.twoModel;
    lines.push(
      '',
      `Routing ${weak} -> ${strong} on the predicted gain: APGR ${apgr === undefined ? 'n/a' : formatNumber(apgr, 3)}, ` +
        `CPT(50%) ${cpt50 === undefined ? 'n/a' : `${formatNumber(cpt50, 1)}%`}, CPT(80%) ${cpt80 === undefined ? 'n/a' : `${formatNumber(cpt80, 1)}%`}`,
    );
  }
  return lines.join('\n');
}
