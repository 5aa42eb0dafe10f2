import type { TraceSink } from '../spec/trace-sink.js';
import type { ResponseStore } from './response-store.js';
import type { TraceStoreCounts } from './trace-ledger.js';
import type { TraceQueries } from './trace-queries.js';
import type { traceStats, TraceStats } from './trace-stats.js';

/**
 * The trace store as the gateway and its handlers see it: it records traces, answers the traces
 * API and stats, keeps the Responses API's stored responses under the same retention, counts what
 * became of each trace, and closes. How it keeps them (the SQLite
 * database of `SqliteTraceStore`, or the PostgreSQL one of `PostgresTraceStore`) stays behind it.
 */
export interface TraceStore extends TraceSink, TraceQueries, ResponseStore {
  /** What the routing did over a period (`/v1/stats`). */
  stats(range: Parameters<typeof traceStats>[1]): Promise<TraceStats>;
  counts(): TraceStoreCounts;
  /** Writes what was recorded so far: true once it is all written or dropped, false when the writer had been failing for `waitMs`. */
  flush(waitMs?: number): Promise<boolean>;
  close(): Promise<void>;
}
