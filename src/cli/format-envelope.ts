import type { EvalReport } from '../evaluation/eval-report.js';
import type { Spread } from '../evaluation/eval-report-cross-validation.js';
import { formatNumber, formatTable } from './format-table.js';

const usd = (cost: number): string => `$${formatNumber(cost * 1000, cost * 1000 >= 10 ? 2 : 4)}`;
const signed = (value: number): string => `${value >= 0 ? '+' : ''}${formatNumber(value, 4)}`;
const spreadText = (value: Spread | undefined): string =>
  value === undefined ? 'n/a' : `${signed(value.mean)} ± ${formatNumber(value.sd, 4)} (${signed(value.min)} to ${signed(value.max)})`;

/** The envelope section of `eval`'s text report: the hull, the router's curve, the comparison and, with folds, its spread. */
export function formatEnvelope(report: EvalReport): string[] {
  const { envelope, crossValidation: folds } = report;
  const lines: string[] = [];
  if (envelope.hull.length === 0) return lines;
  lines.push(
    '',
    `Envelope (single models and their best two-model static mixes): ${envelope.hull.map((point) => `${point.model} ${usd(point.cost)} ${formatNumber(point.quality, 4)}`).join(' -> ')}`,
  );
  const { router, comparison } = envelope;
  if (router === undefined || comparison === undefined) return lines;
  lines.push(
    '',
    `${router.policy}'s curve: ${router.parameter} swept, upper hull of the settings (mixing two settings is a static mix too):`,
    formatTable(
      [router.parameter, 'quality', '$/1k'],
      router.points.map((point) => [formatNumber(point.value, 4), formatNumber(point.quality, 4), usd(point.cost)]),
    ),
  );
  lines.push(
    '',
    `Against the envelope from ${usd(comparison.from)} to ${usd(comparison.to)} per 1k: area ${signed(comparison.area)} (mean quality above it), ` +
      `least ${signed(comparison.worst.gap)} at ${usd(comparison.worst.cost)}${folds ? `; over ${folds.folds} folds: area ${spreadText(folds.area)}, least ${spreadText(folds.worstGap)}` : ''}`,
  );
  const header = ['$/1k (log-spaced)', 'envelope', 'router', 'gap', ...(folds ? ['gap per fold: mean ± sd (min to max)'] : [])];
  const optional = (value: number | undefined, format: (value: number) => string): string => (value === undefined ? 'n/a' : format(value));
  lines.push(
    formatTable(
      header,
      comparison.gaps.map((gap, index) => [
        usd(gap.cost),
        optional(gap.envelope, (value) => formatNumber(value, 4)),
        optional(gap.router, (value) => formatNumber(value, 4)),
        optional(gap.gap, signed),
        ...(folds ? [spreadText(folds.gaps[index])] : []),
      ]),
    ),
  );
  if (envelope.tasks.length > 0) {
    const best = envelope.tasks[0]?.model ?? '';
    lines.push(
      '',
      `Per task: does the router reach ${best}'s quality for less?`,
      formatTable(
        ['task', 'prompts', `${best} quality`, '$/1k', 'router reaches it at', 'cheaper', ...(folds ? ['cheaper in folds'] : [])],
        envelope.tasks.map((task) => {
          const inFolds = folds?.tasks.find((entry) => entry.task === task.task);
          return [
            task.task,
            String(task.examples),
            formatNumber(task.quality, 4),
            usd(task.cost),
            task.reachCost === undefined ? 'never' : usd(task.reachCost),
            task.cheaper ? 'yes' : 'no',
            ...(folds ? [inFolds ? `${inFolds.cheaperIn}/${inFolds.folds}` : 'n/a'] : []),
          ];
        }),
      ),
    );
  }
  return lines;
}
