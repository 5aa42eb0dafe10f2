import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { pickRouter } from '../evaluation/replay.js';
import { DEFAULT_RETRAIN, renameModels, retrain, storeExample, type RetrainReport } from '../evaluation/retrain.js';
import { parseModelMap, readScoredData, type ScoredExample } from '../learning/scored-data.js';
import { trainedRouterVersion } from '../learning/trained-router.js';
import { feedbackToScored } from '../telemetry/feedback-to-scored.js';
import { loadTokenizer } from '../tokens/count-tokens.js';
import { reportFailure, UsageError, type CliIo } from './cli-io.js';
import { formatNumber } from './format-table.js';
import { parseNumberOption } from './number-option.js';
import { DEFAULT_OUTPUT_TOKENS } from './replay-options.js';
import { openForReading, storeSource } from './stats-command.js';

export const RETRAIN_USAGE = `Usage: switchyard retrain [--config FILE] --router NAME [--data BASE.jsonl] [options]

Trains a candidate for the router's trained classifier file on the base data plus the scored
traffic in the trace store (feedback and shadow-evaluation scores, as \`switchyard export\` reads
them), holding back the newest share of that traffic. Both the current file and the candidate then
route the held-back requests offline; the report gives each one's quality and cost per 1k requests
and the candidate's paired difference with a 95% bootstrap interval. The candidate replaces the
file (written atomically; the old one kept as FILE.previous) only when the interval of the quality
difference lies above 0 and its cost is not higher. A running gateway reloads the file on SIGHUP
or when it changes. Exit code 0 when promoted, 3 when not.

Options:
  -c, --config FILE        Config file (default: $SWITCHYARD_CONFIG, ./switchyard.yaml, or the quickstart config)
  -r, --router NAME        Router whose classifier file to retrain (default: "auto", or the only router)
      --data FILE          The base scored data (default: the data named in the file's training record, next to the file)
      --map DATA=CATALOG   A base data model's name in the config (repeatable)
      --db FILE            Read scored traffic from this SQLite trace store instead of the config's
      --postgres URL       Read scored traffic from this PostgreSQL database instead
      --recent F           Share of the router's scored traces, the newest, held back to compare on (default ${DEFAULT_RETRAIN.recent})
      --cost-tolerance F   Promote a candidate up to this share dearer per request (default ${DEFAULT_RETRAIN.costTolerance})
      --seed N             Seed of the bootstrap (default ${DEFAULT_RETRAIN.seed})
      --output-tokens N    Output tokens per answer for catalog costs when the data has none (default ${DEFAULT_OUTPUT_TOKENS})
      --dry-run            Report, never write
      --json               Print the report as JSON
  -h, --help               Show this help`;

export async function retrainCommand(args: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        config: { type: 'string', short: 'c' },
        router: { type: 'string', short: 'r' },
        data: { type: 'string' },
        map: { type: 'string', multiple: true },
        db: { type: 'string' },
        postgres: { type: 'string' },
        recent: { type: 'string' },
        'cost-tolerance': { type: 'string' },
        seed: { type: 'string' },
        'output-tokens': { type: 'string' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
    if (values.help) {
      io.out(RETRAIN_USAGE);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"; the base data goes with --data`);
    const recent = parseNumberOption('--recent', values.recent, DEFAULT_RETRAIN.recent, { min: 0.01, max: 0.9 });
    const costTolerance = parseNumberOption('--cost-tolerance', values['cost-tolerance'], DEFAULT_RETRAIN.costTolerance, { min: 0, max: 1 });
    const seed = parseNumberOption('--seed', values.seed, DEFAULT_RETRAIN.seed, { integer: true, min: 0 });
    const outputTokens = parseNumberOption('--output-tokens', values['output-tokens'], DEFAULT_OUTPUT_TOKENS, { integer: true, min: 0 });
    const config = loadConfig({ explicit: values.config, env: io.env, cwd: io.cwd });
    const router = pickRouter(config, values.router);
    const classifier = router.classifier;
    if (classifier?.type !== 'trained') throw new UsageError(`router "${router.name}" has no trained classifier file to retrain (classifier: { type: trained, path: FILE })`);
    const dataFile = baseDataFile(values.data, classifier.path, classifier.model.training?.data, io);
    const map = parseModelMap(values.map);
    const base = readScoredData(dataFile).map((example) => renameModels(example, map));
    const store = await routerTraffic(router.name, values, io);
    await loadTokenizer();
    const { report, text } = await retrain(config, router, base, store, { recent, seed, resamples: DEFAULT_RETRAIN.resamples, costTolerance, outputTokens, dataName: dataFile });
    const written = report.promote && !values['dry-run'] ? promote(classifier.path, text, report.current.version) : false;
    io.out(values.json ? JSON.stringify({ ...report, written }, null, 2) : formatRetrain(report, written, values['dry-run'] === true));
    return report.promote ? 0 : 3;
  } catch (error) {
    return reportFailure(io, error, RETRAIN_USAGE);
  }
}

/** `--data`, else the training record's data file when it sits next to the router file. */
function baseDataFile(given: string | undefined, routerFile: string, recorded: string | undefined, io: CliIo): string {
  if (given !== undefined) return resolve(io.cwd, given);
  const beside = recorded === undefined ? undefined : resolve(dirname(routerFile), recorded);
  if (beside !== undefined && existsSync(beside)) return beside;
  throw new UsageError(
    `missing --data BASE.jsonl: ${recorded === undefined ? `${routerFile} records no training data` : `the data its training record names (${recorded}) is not next to ${routerFile}`}`,
  );
}

/** The store's traces of this router that feedback or a judge scored, oldest first. */
async function routerTraffic(routerName: string, values: { db?: string | undefined; postgres?: string | undefined; config?: string | undefined }, io: CliIo): Promise<ScoredExample[]> {
  const store = await openForReading(storeSource(values, io));
  const examples: ScoredExample[] = [];
  try {
    for await (const { trace, feedback } of store.withFeedback({})) {
      const result = feedbackToScored(trace, feedback);
      if ('line' in result && result.line.router === routerName) examples.push(storeExample(result.line, examples.length));
    }
  } finally {
    await store.close();
  }
  return examples;
}

/**
 * Replaces the file atomically (a reader sees the old bytes or the new, never a part), keeping the
 * old as FILE.previous; refuses when the file changed since it was evaluated.
 */
function promote(file: string, text: string, evaluated: string | undefined): boolean {
  const now = trainedRouterVersion(readFileSync(file));
  if (now !== evaluated) throw new Error(`${file} changed while retraining (version ${evaluated ?? 'unknown'} was evaluated, ${now} is there now); run retrain again`);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  copyFileSync(file, `${file}.previous`);
  renameSync(temporary, file);
  return true;
}

function formatRetrain(report: RetrainReport, written: boolean, dryRun: boolean): string {
  const usd = (value: number): string => `${value < 0 ? '-' : ''}$${formatNumber(Math.abs(value), 4)}`;
  const score = (label: string, value: RetrainReport['current']): string =>
    `  ${label} ${value.version ?? '(unversioned)'}: quality ${formatNumber(value.quality, 4)}, ${usd(value.costPer1k)} per 1k requests`;
  const { quality, costPer1k } = report;
  const lines = [
    `Router "${report.router}" (${report.file}): trained a candidate on ${report.trained.base} base examples and ${report.trained.store} older scored traces` +
      (report.store.incomplete > 0 ? ` (${report.store.incomplete} of ${report.store.scored} scored traces lack a score for a model the file predicts and were left out)` : ''),
    `On the ${report.heldBack} newest scored requests (held back, not trained on):`,
    score('current  ', report.current),
    score('candidate', report.candidate),
    `  difference: quality ${formatNumber(quality.mean, 4)} [95% CI ${formatNumber(quality.low, 4)} to ${formatNumber(quality.high, 4)}], ` +
      `cost ${usd(costPer1k.mean)} per 1k [95% CI ${usd(costPer1k.low)} to ${usd(costPer1k.high)}]`,
    ...report.reasons.map((reason) => `  ${reason}`),
    report.promote
      ? written
        ? `Promoted: wrote the candidate to ${report.file} (the old file is ${report.file}.previous)`
        : `Would promote${dryRun ? ' (--dry-run: nothing written)' : ''}`
      : `Not promoted: ${report.file} is unchanged`,
  ];
  return lines.join('\n');
}
