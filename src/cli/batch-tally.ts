import { formatNumber, formatPercent, formatTable } from './format-table.js';

export type BatchStatus = 'ok' | 'blocked' | 'error' | 'invalid';

/** What one finished line adds to the summary. */
export type TalliedLine = {
  status: BatchStatus;
  model: string | null;
  route: string | null;
  costUsd: number | undefined;
  referenceCostUsd: number | undefined;
  savingsUsd: number | undefined;
};

/**
 * The running totals of a batch: counts, cost, savings against the routers' reference models (as
 * the traces and `switchyard stats` count them), and how many lines each route and model took.
 * Its size grows with the routes and models of the config, not with the lines.
 */
export class BatchTally {
  finished = 0;
  failed = 0;
  invalid = 0;
  blocked = 0;
  skipped = 0;
  costUsd = 0;
  referenceCostUsd = 0;
  savingsUsd = 0;
  /** Answered lines whose cost is unknown: no usage or no price. */
  unknownCost = 0;
  private readonly routes = new Map<string, number>();
  private readonly models = new Map<string, { lines: number; costUsd: number }>();

  record(line: TalliedLine): void {
    this.finished++;
    if (line.status === 'invalid') {
      this.failed++;
      this.invalid++;
      return;
    }
    // A failed line may still have cost something (attempts that answered and were rejected, a classifier call).
    this.costUsd += line.costUsd ?? 0;
    if (line.status === 'error') {
      this.failed++;
      return;
    }
    if (line.costUsd === undefined) this.unknownCost++;
    if (line.status === 'blocked') this.blocked++;
    this.referenceCostUsd += line.referenceCostUsd ?? 0;
    this.savingsUsd += line.savingsUsd ?? 0;
    const route = line.route ?? '(model named)';
    this.routes.set(route, (this.routes.get(route) ?? 0) + 1);
    const model = line.model ?? '(blocked)';
    const entry = this.models.get(model) ?? { lines: 0, costUsd: 0 };
    entry.lines++;
    entry.costUsd += line.costUsd ?? 0;
    this.models.set(model, entry);
  }

  /** The closing summary: lines, cost and savings, then the shares of routes and models among the answered lines. */
  format(input: { file: string; out: string; total: number; interrupted: boolean }): string {
    const answered = this.finished - this.failed;
    const left = input.total - this.finished - this.skipped;
    const lines = [
      `${input.file}: ${input.total} lines -> ${input.out}`,
      `done ${answered} (blocked ${this.blocked}), skipped ${this.skipped} (done by an earlier run), failed ${this.failed} (invalid ${this.invalid})${left > 0 ? `, not run ${left}${input.interrupted ? ' (interrupted)' : ''}` : ''}`,
      `cost $${formatNumber(this.costUsd, 6)}, reference $${formatNumber(this.referenceCostUsd, 6)}, savings $${formatNumber(this.savingsUsd, 6)}${this.referenceCostUsd > 0 ? ` (${formatPercent(this.savingsUsd / this.referenceCostUsd)})` : ''}${this.unknownCost > 0 ? `; cost unknown for ${this.unknownCost} lines` : ''}`,
    ];
    if (answered > 0) {
      const byLines = <Value>(map: Map<string, Value>, lines: (value: Value) => number): [string, Value][] => [...map].sort((a, b) => lines(b[1]) - lines(a[1]) || a[0].localeCompare(b[0]));
      lines.push(
        '',
        formatTable(['route', 'lines', 'share'], byLines(this.routes, (count) => count).map(([name, count]) => [name, String(count), formatPercent(count / answered)])),
        '',
        formatTable(
          ['model', 'lines', 'share', 'cost $'],
          byLines(this.models, (entry) => entry.lines).map(([name, entry]) => [name, String(entry.lines), formatPercent(entry.lines / answered), formatNumber(entry.costUsd, 6)]),
        ),
      );
    }
    return lines.join('\n');
  }
}
