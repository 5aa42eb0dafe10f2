import type Database from 'better-sqlite3';
import { scopeConditions, type TraceScope } from './trace-filter.js';

export type Share = { name: string; requests: number; share: number };

/** How `/v1/stats?by=` and `switchyard stats --by` split the figures: per virtual key or per team. */
export type StatsGrouping = 'key' | 'team';

export const STATS_GROUPINGS: readonly StatsGrouping[] = ['key', 'team'];

/** Which stored traces the figures cover (whose: the scope); every field narrows. */
export type StatsQuery = TraceScope & {
  /** Epoch ms, inclusive. */
  since?: number | undefined;
  /** Epoch ms, exclusive. */
  until?: number | undefined;
  router?: string | undefined;
  /** A timeline of buckets this long. */
  bucketMs?: number | undefined;
  /** Figures per key or per team as well. */
  by?: StatsGrouping | undefined;
};

/** What the routing did over a period: the figures `switchyard stats` prints and the dashboard shows. */
export type TraceStats = {
  since: number | undefined;
  until: number | undefined;
  requests: number;
  statuses: Record<'ok' | 'error' | 'blocked' | 'aborted' | 'shutdown', number>;
  /** `router/route`, by share of requests. */
  routes: Share[];
  /** The model that served (`none` when none did). */
  models: (Share & { costUsd: number })[];
  /** Share of served requests answered by another model than the plan's first. */
  fallbackRate: number;
  /** Share of requests with at least one retry of the same model. */
  retryRate: number;
  errorRate: number;
  latencyMs: Percentiles | undefined;
  firstTokenMs: Percentiles | undefined;
  costUsd: number;
  referenceCostUsd: number;
  savingsUsd: number;
  /** Requests whose cost is unknown (no usage or no price): left out of the sums. */
  unknownCost: number;
  /** Tokens of the requests whose usage is known. */
  inputTokens: number;
  outputTokens: number;
  /** Per time bucket, oldest first, when a bucket size was asked for (only buckets with requests). */
  timeline?: TimelineBucket[];
  /** Per key or team when asked for (`by`), the dearest first. */
  groups?: GroupStats[];
};

/** One key's or team's figures, counted as the totals are. */
export type GroupStats = {
  /** The key's id or the team's name; null for the requests without one. */
  id: string | null;
  /** By key: the key's name and team as the key store has them now (null once unknown). */
  name?: string | null;
  team?: string | null;
  requests: number;
  errors: number;
  errorRate: number;
  costUsd: number;
  referenceCostUsd: number;
  savingsUsd: number;
  unknownCost: number;
  inputTokens: number;
  outputTokens: number;
  latencyMs: Percentiles | undefined;
};

export type TimelineBucket = {
  /** Epoch ms of the bucket's start. */
  start: number;
  requests: number;
  errors: number;
  fallbacks: number;
  costUsd: number;
  referenceCostUsd: number;
  meanLatencyMs: number;
};

export type Percentiles = { p50: number; p90: number; p99: number };

/** The aggregates of a set of traces, for the totals and for each group alike. */
const TOTALS = `COUNT(*) AS requests,
  SUM(status = 'ok') AS ok, SUM(status = 'error') AS error, SUM(status = 'blocked') AS blocked, SUM(status = 'aborted') AS aborted, SUM(status = 'shutdown') AS shutdown,
  SUM(fallback) AS fallbacks, SUM(model IS NOT NULL) AS served, SUM(retries > 0) AS retried,
  TOTAL(cost_usd) AS cost, TOTAL(reference_cost_usd) AS reference, TOTAL(savings_usd) AS savings, SUM(cost_usd IS NULL) AS unknown,
  TOTAL(input_tokens) AS inputTokens, TOTAL(output_tokens) AS outputTokens`;

type Totals = Record<string, number | string | null>;

const GROUP_COLUMN: Record<StatsGrouping, string> = { key: 'key_id', team: 'team' };

/** Aggregates stored traces in SQLite; latency percentiles read the sorted column (nearest rank). */
export function traceStats(db: Database.Database, query: StatsQuery): TraceStats {
  const where = ['started_at >= ?', 'started_at < ?'];
  const params: (string | number)[] = [query.since ?? 0, query.until ?? Number.MAX_SAFE_INTEGER];
  if (query.router !== undefined) {
    where.push('router = ?');
    params.push(query.router);
  }
  const scoped = scopeConditions(query);
  where.push(...scoped.where);
  params.push(...scoped.params);
  const clause = `WHERE ${where.join(' AND ')}`;
  const totals = db.prepare(`SELECT ${TOTALS} FROM traces ${clause}`).get(...params) as Totals;
  const requests = count(totals, 'requests');
  const share = (value: number): number => (requests === 0 ? 0 : value / requests);
  const routes = (db.prepare(`SELECT COALESCE(router, 'none') || '/' || COALESCE(route, 'none') AS name, COUNT(*) AS requests FROM traces ${clause} GROUP BY name ORDER BY requests DESC, name`).all(...params) as { name: string; requests: number }[]).map(
    (row) => ({ ...row, share: share(row.requests) }),
  );
  const models = (
    db.prepare(`SELECT COALESCE(model, 'none') AS name, COUNT(*) AS requests, TOTAL(cost_usd) AS costUsd FROM traces ${clause} GROUP BY name ORDER BY requests DESC, name`).all(...params) as {
      name: string;
      requests: number;
      costUsd: number;
    }[]
  ).map((row) => ({ ...row, share: share(row.requests) }));
  const column = (name: 'latency_ms' | 'first_token_ms'): Percentiles | undefined =>
    percentilesOf((db.prepare(`SELECT ${name} AS value FROM traces ${clause} AND ${name} IS NOT NULL ORDER BY ${name}`).all(...params) as { value: number }[]).map((row) => row.value));
  const served = count(totals, 'served');
  const stats: TraceStats = {
    since: query.since,
    until: query.until,
    requests,
    statuses: { ok: count(totals, 'ok'), error: count(totals, 'error'), blocked: count(totals, 'blocked'), aborted: count(totals, 'aborted'), shutdown: count(totals, 'shutdown') },
    routes,
    models,
    fallbackRate: served === 0 ? 0 : count(totals, 'fallbacks') / served,
    retryRate: share(count(totals, 'retried')),
    errorRate: share(count(totals, 'error')),
    latencyMs: column('latency_ms'),
    firstTokenMs: column('first_token_ms'),
    costUsd: count(totals, 'cost'),
    referenceCostUsd: count(totals, 'reference'),
    savingsUsd: count(totals, 'savings'),
    unknownCost: count(totals, 'unknown'),
    inputTokens: count(totals, 'inputTokens'),
    outputTokens: count(totals, 'outputTokens'),
  };
  if (query.bucketMs !== undefined) {
    stats.timeline = db
      .prepare(
        `SELECT CAST(started_at / ? AS INTEGER) * ? AS start, COUNT(*) AS requests, SUM(status = 'error') AS errors, SUM(fallback) AS fallbacks,
          TOTAL(cost_usd) AS costUsd, TOTAL(reference_cost_usd) AS referenceCostUsd, AVG(latency_ms) AS meanLatencyMs
         FROM traces ${clause} GROUP BY start ORDER BY start`,
      )
      .all(Math.floor(query.bucketMs), Math.floor(query.bucketMs), ...params) as TimelineBucket[];
  }
  if (query.by !== undefined) stats.groups = groupStats(db, query.by, clause, params);
  return stats;
}

/** The figures per key or team over the same traces, the dearest first (then the busiest, then by id). */
function groupStats(db: Database.Database, by: StatsGrouping, clause: string, params: (string | number)[]): GroupStats[] {
  const group = GROUP_COLUMN[by];
  const rows = db.prepare(`SELECT ${group} AS grp, MAX(team) AS lastTeam, ${TOTALS} FROM traces ${clause} GROUP BY grp ORDER BY cost DESC, requests DESC, grp`).all(...params) as Totals[];
  const latencies = new Map<string | null, number[]>();
  for (const row of db.prepare(`SELECT ${group} AS grp, latency_ms AS value FROM traces ${clause} ORDER BY latency_ms`).all(...params) as { grp: string | null; value: number }[]) {
    const values = latencies.get(row.grp) ?? [];
    values.push(row.value);
    latencies.set(row.grp, values);
  }
  const keyOf = db.prepare('SELECT name, team FROM virtual_keys WHERE id = ?');
  return rows.map((row) => {
    const id = row['grp'] as string | null;
    const requests = count(row, 'requests');
    const figures: GroupStats = {
      id,
      requests,
      errors: count(row, 'error'),
      errorRate: requests === 0 ? 0 : count(row, 'error') / requests,
      costUsd: count(row, 'cost'),
      referenceCostUsd: count(row, 'reference'),
      savingsUsd: count(row, 'savings'),
      unknownCost: count(row, 'unknown'),
      inputTokens: count(row, 'inputTokens'),
      outputTokens: count(row, 'outputTokens'),
      latencyMs: percentilesOf(latencies.get(id) ?? []),
    };
    if (by !== 'key') return figures;
    const key = id === null ? undefined : (keyOf.get(id) as { name: string; team: string | null } | undefined);
    return { ...figures, name: key?.name ?? null, team: key ? key.team : ((row['lastTeam'] as string | null) ?? null) };
  });
}

function count(row: Totals, name: string): number {
  const value = row[name];
  return typeof value === 'number' ? value : 0;
}

function percentilesOf(sorted: readonly number[]): Percentiles | undefined {
  return sorted.length === 0 ? undefined : { p50: nearestRank(sorted, 0.5), p90: nearestRank(sorted, 0.9), p99: nearestRank(sorted, 0.99) };
}

/** The nearest-rank percentile of sorted values. */
export function nearestRank(sorted: readonly number[], quantile: number): number {
  const rank = Math.max(1, Math.ceil(quantile * sorted.length));
  return sorted[rank - 1] as number;
}
