import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { buildEvalReport, routerScore, type EvalReport } from '../evaluation/eval-report.js';
import { crossValidatedReport } from '../evaluation/eval-report-cross-validation.js';
import { readTaskLabels } from '../evaluation/envelope-tasks.js';
import { renderCostQualityPlot } from '../evaluation/plot-svg.js';
import { pickRouter, type Replay } from '../evaluation/replay.js';
import { parseModelMap, readScoredData } from '../learning/scored-data.js';
import { loadTokenizer } from '../tokens/count-tokens.js';
import { reportFailure, UsageError, type CliIo } from './cli-io.js';
import { formatEnvelope } from './format-envelope.js';
import { formatNumber, formatPercent, formatTable } from './format-table.js';
import { parseNumberOption } from './number-option.js';
import { DEFAULT_OUTPUT_TOKENS, REPLAY_OPTIONS, REPLAY_USAGE, replayFromArgs, selectHeldOut } from './replay-options.js';

export const EVAL_USAGE = `Usage: switchyard eval [--config FILE] [--router NAME] DATA.jsonl [options]

Replays scored data through a router without calling any model: each prompt is routed as the
gateway would route it, and the chosen model's score and cost are looked up in the data. Prints
quality, cost, share per model, savings against the router's reference model, the baselines
(each model alone, random, oracle), for two-model routers RouteLLM's APGR and CPT, and the
envelope of single models and two-model static mixes beside the router's swept curve: the area
between them, the gap at five log-spaced costs and, per task (the data's \`benchmark\`), whether
the router reaches the best model's quality for less.

Options:
${REPLAY_USAGE}
      --cross-validate K   Train the router's classifier anew on K-1 folds and route the K-th, K times
                           (train's defaults and the router file's seed and options); report out of fold,
                           with the spread over folds. --seed N seeds the folds (default 1)
      --json               Print the report as JSON
      --plot FILE.svg      Write the cost-quality plot
      --decisions FILE     Write one JSON line per prompt: id, model, route, score, quality, cost
  -h, --help               Show this help`;

export async function evalCommand(args: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        ...REPLAY_OPTIONS,
        json: { type: 'boolean' },
        plot: { type: 'string' },
        decisions: { type: 'string' },
        'cross-validate': { type: 'string' },
      },
      allowPositionals: true,
    });
    if (values.help) {
      io.out(EVAL_USAGE);
      return 0;
    }
    const { replayed, report } =
      values['cross-validate'] === undefined
        ? await replayFromArgs(values, positionals, io).then((replayed) => ({ replayed, report: buildEvalReport(replayed, { tasks: readTaskLabels(resolve(io.cwd, positionals[0] as string)) }) }))
        : await crossValidateFromArgs(values, positionals, io);
    if (values.decisions !== undefined) writeFileSync(resolve(io.cwd, values.decisions), decisionLines(replayed, report));
    if (values.plot !== undefined) writeFileSync(resolve(io.cwd, values.plot), renderCostQualityPlot(report));
    io.out(values.json ? JSON.stringify(report, null, 2) : formatEvalReport(report));
    return 0;
  } catch (error) {
    return reportFailure(io, error, EVAL_USAGE);
  }
}

type EvalValues = Parameters<typeof replayFromArgs>[0] & { 'cross-validate'?: string | undefined };

/** `--cross-validate K`: replayFromArgs's inputs, with a router trained per fold instead of the file's. */
async function crossValidateFromArgs(values: EvalValues, positionals: readonly string[], io: CliIo): Promise<{ replayed: Replay; report: EvalReport }> {
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing DATA.jsonl' : `expected one data file, got ${positionals.length}`);
  const folds = parseNumberOption('--cross-validate', values['cross-validate'], 5, { integer: true, min: 2, max: 20 });
  const seed = parseNumberOption('--seed', values.seed, 1, { integer: true, min: 0 });
  const config = loadConfig({ explicit: values.config, env: io.env, cwd: io.cwd });
  const router = pickRouter(config, values.router);
  const dataFile = resolve(io.cwd, positionals[0] as string);
  // No note about training on this file: every fold's router is trained without the prompts it routes.
  const examples = selectHeldOut(readScoredData(dataFile), { holdout: values.holdout, seed: values.holdout === undefined ? undefined : values.seed }, { router, dataFile, warn: () => {} });
  await loadTokenizer();
  const { replay, report } = await crossValidatedReport(config, router, examples, {
    map: parseModelMap(values.map),
    outputTokens: parseNumberOption('--output-tokens', values['output-tokens'], DEFAULT_OUTPUT_TOKENS, { integer: true, min: 0 }),
    folds,
    seed,
    dataName: dataFile,
    tasks: readTaskLabels(dataFile),
  });
  return { replayed: replay, report };
}

/** One JSON line per prompt: enough for an outside scorer to recompute every metric. */
function decisionLines(replayed: Replay, report: EvalReport): string {
  const { columns } = replayed;
  const strong = report.twoModel ? columns.findIndex((column) => column.model === report.twoModel?.strong) : -1;
  const weak = report.twoModel ? columns.findIndex((column) => column.model === report.twoModel?.weak) : -1;
  return replayed.rows
    .map((row) => {
      const column = row.chosen === undefined ? undefined : columns[row.chosen];
      const line: Record<string, unknown> = {
        id: row.example.id,
        model: column?.model ?? null,
        data_model: column?.data ?? null,
        route: row.route,
      };
      if (report.twoModel) line['score'] = routerScore(row, strong, weak, report.twoModel.weak).score;
      if (row.prediction) line['predicted'] = row.prediction.predicted;
      if (row.chosen !== undefined) {
        line['quality'] = row.quality[row.chosen];
        line['cost'] = row.cost[row.chosen];
      }
      return `${JSON.stringify(line)}\n`;
    })
    .join('');
}

const usd = (cost: number): string => `$${formatNumber(cost * 1000, cost * 1000 >= 10 ? 2 : 4)}`;
const optional = (value: number | undefined, format: (value: number) => string): string => (value === undefined ? 'n/a' : format(value));

export function formatEvalReport(report: EvalReport): string {
  const lines: string[] = [];
  const excluded = [report.contaminated > 0 ? `${report.contaminated} contaminated excluded` : '', report.unrouted > 0 ? `${report.unrouted} blocked or unroutable` : '']
    .filter((part) => part !== '')
    .join(', ');
  lines.push(`Router "${report.router}" on ${report.examples} prompts${excluded === '' ? '' : ` (${excluded})`}`);
  lines.push(
    `Quality ${formatNumber(report.result.quality, 4)} · cost ${usd(report.result.cost)} per 1k requests (${report.costSource === 'data' ? "the data's costs" : 'catalog prices x estimated tokens'})`,
  );
  if (report.reference) {
    const { model, savings, qualityKept } = report.reference;
    lines.push(`Against always ${model}: ${formatPercent(savings)} cheaper, ${formatPercent(qualityKept)} of its quality`);
  }
  lines.push('', formatTable(['model', 'share', 'quality alone', '$/1k alone'], report.models.map((model) => [model.model, formatPercent(model.share), formatNumber(model.quality, 4), usd(model.cost)])));
  const baselines: string[][] = [
    ['this router', formatNumber(report.result.quality, 4), usd(report.result.cost)],
    ...report.baselines.single.map((model) => [`always ${model.model}`, formatNumber(model.quality, 4), usd(model.cost)]),
    ['random (uniform)', formatNumber(report.baselines.random.quality, 4), usd(report.baselines.random.cost)],
    ['random (same mix)', formatNumber(report.baselines.randomSameMix.quality, 4), usd(report.baselines.randomSameMix.cost)],
    ['oracle', formatNumber(report.baselines.oracle.quality, 4), usd(report.baselines.oracle.cost)],
  ];
  lines.push('', formatTable(['baseline', 'quality', '$/1k'], baselines));
  if (report.twoModel) {
    const { strong, weak, apgr, cpt50, cpt80, scoreKind } = report.twoModel;
    lines.push(
      '',
      `Two models (${weak} -> ${strong}), score = ${scoreKind.replaceAll('_', ' ')}: ` +
        `APGR ${optional(apgr, (value) => formatNumber(value, 3))}, CPT(50%) ${optional(cpt50, (value) => `${formatNumber(value, 1)}%`)}, ` +
        `CPT(80%) ${optional(cpt80, (value) => `${formatNumber(value, 1)}%`)}`,
    );
  }
  if (report.sweep) {
    const { policy, parameter, current, points } = report.sweep;
    const step = Math.max(1, Math.floor(points.length / 8));
    const shown = points.filter((_, index) => index % step === 0 || index === points.length - 1);
    lines.push('', `${policy} at other ${parameter} values (now ${current}); \`switchyard calibrate\` picks one for a target:`);
    lines.push(formatTable([parameter, 'quality', '$/1k'], shown.map((point) => [formatNumber(point.value, 4), formatNumber(point.quality, 4), usd(point.cost)])));
  }
  lines.push(...formatEnvelope(report));
  if (report.crossValidation) {
    const { folds, seed, trainSeconds } = report.crossValidation;
    lines.push('', `Cross-validated: ${folds} folds (seed ${seed}), each prompt routed by a router trained without it; training took ${formatNumber(trainSeconds, 1)} s in all.`);
  }
  return lines.join('\n');
}
