import { formatNumber } from './format-table.js';

/** Where progress goes: a terminal gets one line redrawn in place, anything else a plain line now and then. */
export type ProgressSink = { write(text: string): void; isTTY: boolean };

export type ProgressCounts = {
  /** Lines finished (ok, blocked or failed) in this run. */
  finished: number;
  failed: number;
  /** Lines an earlier run had finished. */
  skipped: number;
  costUsd: number;
};

/** How often a terminal's line is redrawn. */
const REDRAW_MS = 200;

/**
 * The progress of a batch: done/total, rate, cost so far and ETA. The rate counts the lines this
 * run finished (skipped ones cost no time), so the ETA holds for a resumed run too.
 */
export class BatchProgress {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt: number;
  private lastLength = 0;

  constructor(
    private readonly sink: ProgressSink,
    private readonly total: number,
    private readonly counts: () => ProgressCounts,
    private readonly options: { intervalMs: number; now?: () => number },
  ) {
    this.startedAt = this.now();
  }

  start(): void {
    this.timer = setInterval(() => this.draw(), this.sink.isTTY ? REDRAW_MS : this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops drawing and leaves the last state on the terminal, on a line of its own. */
  stop(): void {
    clearInterval(this.timer);
    if (this.sink.isTTY) {
      this.draw();
      this.sink.write('\n');
    }
  }

  /** Prints a note (an invalid line, a stop) without garbling the redrawn line. */
  note(text: string): void {
    if (this.sink.isTTY && this.lastLength > 0) this.sink.write(`\r${' '.repeat(this.lastLength)}\r`);
    this.sink.write(`${text}\n`);
    if (this.sink.isTTY) this.draw();
  }

  draw(): void {
    const text = this.line();
    if (!this.sink.isTTY) {
      this.sink.write(`${text}\n`);
      return;
    }
    this.sink.write(`\r${text.padEnd(this.lastLength)}`);
    this.lastLength = text.length;
  }

  /** `batch 412/1000 (41.2%)  38.5 lines/s  $0.012345  ETA 15s  3 failed` */
  line(): string {
    const { finished, failed, skipped, costUsd } = this.counts();
    const done = finished + skipped;
    const seconds = (this.now() - this.startedAt) / 1000;
    const rate = seconds > 0 ? finished / seconds : 0;
    const share = this.total > 0 ? ` (${formatNumber((done / this.total) * 100, 1)}%)` : '';
    const eta = rate > 0 ? formatDuration(Math.max(0, this.total - done) / rate) : '-';
    const parts = [`batch ${done}/${this.total}${share}`, `${formatNumber(rate, 1)} lines/s`, `$${formatNumber(costUsd, 6)}`, `ETA ${eta}`];
    if (failed > 0) parts.push(`${failed} failed`);
    return parts.join('  ');
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** 42s, 3m05s, 2h07m */
export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
