import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildEvalReport, routerScore, type EvalReport } from '../evaluation/eval-report.js';
import { renderCostQualityPlot } from '../evaluation/plot-svg.js';
import type { Replay } from '../evaluation/replay.js';
import { reportFailure, type CliIo } from './cli-io.js';
import { formatNumber, formatPercent, formatTable } from './format-table.js';
import { REPLAY_OPTIONS, REPLAY_USAGE, replayFromArgs } from './replay-options.js';

export const EVAL_USAGE = `Usage: switchyard eval [--config FILE] [--router NAME] DATA.jsonl [options]

Replays scored data through a router without calling any model: each prompt is routed as the
gateway would route it, and the chosen model's score and cost are looked up in the data. Prints
quality, cost, share per model, savings against the router's reference model, the baselines
(each model alone, random, oracle) and, for two-model routers, RouteLLM's APGR and CPT.

Options:
${REPLAY_USAGE}
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
      },
      allowPositionals: true,
    });
    if (values.help) {
      io.out(EVAL_USAGE);
      return 0;
    }
    const replayed = await replayFromArgs(values, positionals, io);
    const report = buildEvalReport(replayed);
    if (values.decisions !== undefined) writeFileSync(resolve(io.cwd, values.decisions), decisionLines(replayed, report));
    if (values.plot !== undefined) writeFileSync(resolve(io.cwd, values.plot), renderCostQualityPlot(report));
    io.out(values.json ? JSON.stringify(report, null, 2) : formatEvalReport(report));
    return 0;
  } catch (error) {
    return reportFailure(io, error, EVAL_USAGE);
  }
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
  return lines.join('\n');
}
