import type Database from 'better-sqlite3';

export type Share = { name: string; requests: number; share: number };

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
  /** Per time bucket, oldest first, when a bucket size was asked for (only buckets with requests). */
  timeline?: TimelineBucket[];
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

/** Aggregates stored traces in SQLite; latency percentiles read the sorted column (nearest rank). */
export function traceStats(
  db: Database.Database,
  range: { since?: number | undefined; until?: number | undefined; router?: string | undefined; bucketMs?: number | undefined },
): TraceStats {
  const where = ['started_at >= ?', 'started_at < ?'];
  const params: (string | number)[] = [range.since ?? 0, range.until ?? Number.MAX_SAFE_INTEGER];
  if (range.router !== undefined) {
    where.push('router = ?');
    params.push(range.router);
  }
  const clause = `WHERE ${where.join(' AND ')}`;
  const totals = db
    .prepare(
      `SELECT COUNT(*) AS requests,
        SUM(status = 'ok') AS ok, SUM(status = 'error') AS error, SUM(status = 'blocked') AS blocked, SUM(status = 'aborted') AS aborted, SUM(status = 'shutdown') AS shutdown,
        SUM(fallback) AS fallbacks, SUM(model IS NOT NULL) AS served, SUM(retries > 0) AS retried,
        TOTAL(cost_usd) AS cost, TOTAL(reference_cost_usd) AS reference, TOTAL(savings_usd) AS savings, SUM(cost_usd IS NULL) AS unknown
       FROM traces ${clause}`,
    )
    .get(...params) as Record<string, number | null>;
  const requests = totals['requests'] ?? 0;
  const share = (count: number): number => (requests === 0 ? 0 : count / requests);
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
  const column = (name: 'latency_ms' | 'first_token_ms'): Percentiles | undefined => {
    const values = (db.prepare(`SELECT ${name} AS value FROM traces ${clause} AND ${name} IS NOT NULL ORDER BY ${name}`).all(...params) as { value: number }[]).map((row) => row.value);
    return values.length === 0 ? undefined : { p50: nearestRank(values, 0.5), p90: nearestRank(values, 0.9), p99: nearestRank(values, 0.99) };
  };
  const served = totals['served'] ?? 0;
  const stats: TraceStats = {
    since: range.since,
    until: range.until,
    requests,
    statuses: { ok: totals['ok'] ?? 0, error: totals['error'] ?? 0, blocked: totals['blocked'] ?? 0, aborted: totals['aborted'] ?? 0, shutdown: totals['shutdown'] ?? 0 },
    routes,
    models,
    fallbackRate: served === 0 ? 0 : (totals['fallbacks'] ?? 0) / served,
    retryRate: share(totals['retried'] ?? 0),
    errorRate: share(totals['error'] ?? 0),
    latencyMs: column('latency_ms'),
    firstTokenMs: column('first_token_ms'),
    costUsd: totals['cost'] ?? 0,
    referenceCostUsd: totals['reference'] ?? 0,
    savingsUsd: totals['savings'] ?? 0,
    unknownCost: totals['unknown'] ?? 0,
  };
  if (range.bucketMs !== undefined) {
    stats.timeline = db
      .prepare(
        `SELECT CAST(started_at / ? AS INTEGER) * ? AS start, COUNT(*) AS requests, SUM(status = 'error') AS errors, SUM(fallback) AS fallbacks,
          TOTAL(cost_usd) AS costUsd, TOTAL(reference_cost_usd) AS referenceCostUsd, AVG(latency_ms) AS meanLatencyMs
         FROM traces ${clause} GROUP BY start ORDER BY start`,
      )
      .all(Math.floor(range.bucketMs), Math.floor(range.bucketMs), ...params) as TimelineBucket[];
  }
  return stats;
}

/** The nearest-rank percentile of sorted values. */
export function nearestRank(sorted: readonly number[], quantile: number): number {
  const rank = Math.max(1, Math.ceil(quantile * sorted.length));
  return sorted[rank - 1] as number;
}
