/** Why a trace was not written. `backlog`: over the bound of pending bytes; the others are what SQLite said. */
export const DROP_CAUSES = ['locked', 'full', 'read_only', 'backlog', 'other'] as const;
export type DropCause = (typeof DROP_CAUSES)[number];

/**
 * What became of the traces handed to the store. Every one is written, dropped (by cause) or
 * pending: `recorded = written + dropped (all causes) + pendingTraces`, exactly.
 */
export type TraceStoreCounts = {
  recorded: number;
  written: number;
  dropped: Record<DropCause, number>;
  /** Traces queued or handed to the writer and not yet written or dropped. */
  pendingTraces: number;
  /** Their bytes, and those of the stored responses queued with them (the row text actually queued, not the capacity of the buffers that hold it). */
  pendingBytes: number;
};

/** How often, at most, drops are reported through onError. */
const REPORT_EVERY_MS = 10_000;

const EXPLAINED: Record<DropCause, string> = {
  locked: 'the database stayed locked by another connection for longer than the writer retries',
  full: 'the disk is full or refused the write for longer than the writer retries',
  read_only: 'the database is read-only',
  backlog: 'too many bytes of traces were waiting for the writer',
  other: 'the writer failed',
};

/**
 * Counts every trace the store is given, and reports drops through `report` with their exact
 * number and cause: at once, then at most every 10 s (what falls in between is reported at the
 * end of the interval, or by `reportNow`), so a long outage is a few lines, not one per batch.
 */
export class TraceLedger {
  private recorded = 0;
  private written = 0;
  private pendingTraces = 0;
  private pendingBytes = 0;
  private readonly dropped = zeroByCause();
  private readonly unreported = zeroByCause();
  /** Stored responses (the Responses API's) dropped and not reported yet: they are no traces, and not counted as such. */
  private readonly responsesUnreported = zeroByCause();
  private readonly lastError = new Map<DropCause, string>();
  private lastReport = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly report: ((message: string) => void) | undefined) {}

  /** A trace queued for the writer. */
  queue(bytes: number): void {
    this.recorded++;
    this.pendingTraces++;
    this.pendingBytes += bytes;
  }

  /** A stored response queued for the writer: its bytes are pending with the traces'. */
  queueResponse(bytes: number): void {
    this.pendingBytes += bytes;
  }

  /** Stored responses that will not be written, reported with the traces dropped. */
  dropResponses(responses: number, cause: DropCause, error?: string): void {
    if (responses === 0) return;
    this.responsesUnreported[cause] += responses;
    if (error !== undefined) this.lastError.set(cause, error);
    this.scheduleReport();
  }

  /** A trace written at once (the in-memory store). */
  writeNow(): void {
    this.recorded++;
    this.written++;
  }

  /** A trace dropped before it was queued. */
  dropNow(cause: DropCause, error?: string): void {
    this.recorded++;
    this.count(cause, 1, error);
  }

  /** The end of `traces` pending traces of `bytes` bytes: written, or dropped for a cause. */
  settle(traces: number, bytes: number, outcome: 'written' | DropCause, error?: string): void {
    this.pendingTraces -= traces;
    this.pendingBytes -= bytes;
    if (outcome === 'written') this.written += traces;
    else this.count(outcome, traces, error);
  }

  get pending(): { traces: number; bytes: number } {
    return { traces: this.pendingTraces, bytes: this.pendingBytes };
  }

  counts(): TraceStoreCounts {
    return { recorded: this.recorded, written: this.written, dropped: { ...this.dropped }, pendingTraces: this.pendingTraces, pendingBytes: this.pendingBytes };
  }

  /** Reports the drops not reported yet (at close). */
  reportNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const causes = DROP_CAUSES.filter((cause) => this.unreported[cause] > 0);
    const responseCauses = DROP_CAUSES.filter((cause) => this.responsesUnreported[cause] > 0);
    if ((causes.length === 0 && responseCauses.length === 0) || !this.report) return;
    this.lastReport = Date.now();
    const explain = (cause: DropCause, count: number): string => {
      const error = this.lastError.get(cause);
      return `${count} ${cause} (${EXPLAINED[cause]}${error ? `: ${error}` : ''})`;
    };
    if (causes.length > 0) {
      const count = causes.reduce((sum, cause) => sum + this.unreported[cause], 0);
      const parts = causes.map((cause) => explain(cause, this.unreported[cause]));
      for (const cause of causes) this.unreported[cause] = 0;
      const total = DROP_CAUSES.reduce((sum, cause) => sum + this.dropped[cause], 0);
      this.report(`${count} trace(s) dropped: ${parts.join('; ')}. ${total} dropped since start; ${this.pendingTraces} trace(s) (${this.pendingBytes} bytes) waiting to be written.`);
    }
    if (responseCauses.length > 0) {
      const count = responseCauses.reduce((sum, cause) => sum + this.responsesUnreported[cause], 0);
      const parts = responseCauses.map((cause) => explain(cause, this.responsesUnreported[cause]));
      for (const cause of responseCauses) this.responsesUnreported[cause] = 0;
      this.report(`${count} stored response(s) dropped: ${parts.join('; ')}; a previous_response_id naming one of them gets a 404.`);
    }
  }

  private count(cause: DropCause, traces: number, error: string | undefined): void {
    if (traces === 0) return;
    this.dropped[cause] += traces;
    this.unreported[cause] += traces;
    if (error !== undefined) this.lastError.set(cause, error);
    this.scheduleReport();
  }

  /** Reports at once, or at the end of the current interval. */
  private scheduleReport(): void {
    const wait = this.lastReport + REPORT_EVERY_MS - Date.now();
    if (wait <= 0) this.reportNow();
    else this.timer ??= setTimeout(() => this.reportNow(), wait).unref();
  }
}

function zeroByCause(): Record<DropCause, number> {
  return { locked: 0, full: 0, read_only: 0, backlog: 0, other: 0 };
}
