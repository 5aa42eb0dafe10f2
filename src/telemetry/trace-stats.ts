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

/**
 * What differs between the two stores' SQL for these figures. SQLite's renders exactly the SQL it
 * always ran; PostgreSQL has no SUM of a boolean nor TOTAL, folds unquoted aliases to lower case,
 * and numbers its placeholders.
 */
export type StatsDialect = {
  /** How many rows satisfy a condition (0 over no rows is fine: `count` reads a NULL as 0). */
  countIf(condition: string): string;
  /** A sum that is 0, not NULL, over no rows. */
  total(expression: string): string;
  /** `value` rounded down to a multiple of `size` (both integers). */
  floorTo(value: string, size: string): string;
  /** The statement as the driver takes it. */
  render(sql: string): string;
};

export const SQLITE_STATS: StatsDialect = {
  countIf: (condition) => `SUM(${condition})`,
  total: (expression) => `TOTAL(${expression})`,
  floorTo: (value, size) => `CAST(${value} / ${size} AS INTEGER) * ${size}`,
  render: (sql) => sql,
};

/** A statement to run and its parameters; the plan gets its rows back. */
export type StatsQueryStep = { sql: string; params: (string | number)[] };
type Row = Record<string, unknown>;
/** The figures as a sequence of queries, run by either store's driver (`traceStats` runs it on SQLite). */
export type StatsPlan = Generator<StatsQueryStep, TraceStats, Row[]>;

/** The aggregates of a set of traces, for the totals and for each group alike. */
function totals(d: StatsDialect): string {
  return `COUNT(*) AS requests,
  ${d.countIf("status = 'ok'")} AS ok, ${d.countIf("status = 'error'")} AS error, ${d.countIf("status = 'blocked'")} AS blocked, ${d.countIf("status = 'aborted'")} AS aborted, ${d.countIf("status = 'shutdown'")} AS shutdown,
  SUM(fallback) AS fallbacks, ${d.countIf('model IS NOT NULL')} AS served, ${d.countIf('retries > 0')} AS retried,
  ${d.total('cost_usd')} AS cost, ${d.total('reference_cost_usd')} AS reference, ${d.total('savings_usd')} AS savings, ${d.countIf('cost_usd IS NULL')} AS unknown,
  ${d.total('input_tokens')} AS inputTokens, ${d.total('output_tokens')} AS outputTokens`;
}

type Totals = Record<string, unknown>;

const GROUP_COLUMN: Record<StatsGrouping, string> = { key: 'key_id', team: 'team' };

/** Aggregates stored traces in SQLite; latency percentiles read the sorted column (nearest rank). */
export function traceStats(db: Database.Database, query: StatsQuery): TraceStats {
  const plan = statsPlan(SQLITE_STATS, query);
  let step = plan.next();
  while (!step.done) step = plan.next(db.prepare(step.value.sql).all(...step.value.params) as Row[]);
  return step.value;
}

/** The figures of `traceStats` as queries in `dialect`: the one place they are counted, for either store. */
export function* statsPlan(d: StatsDialect, query: StatsQuery): StatsPlan {
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
  const step = (sql: string, stepParams = params): StatsQueryStep => ({ sql: d.render(sql), params: stepParams });
  const totalsRow = ((yield step(`SELECT ${totals(d)} FROM traces ${clause}`))[0] ?? {}) as Totals;
  const requests = count(totalsRow, 'requests');
  const share = (value: number): number => (requests === 0 ? 0 : value / requests);
  const routes = ((yield step(`SELECT COALESCE(router, 'none') || '/' || COALESCE(route, 'none') AS name, COUNT(*) AS requests FROM traces ${clause} GROUP BY name ORDER BY requests DESC, name`)) as { name: string; requests: number }[]).map(
    (row) => ({ ...row, share: share(row.requests) }),
  );
  const models = (
    (yield step(`SELECT COALESCE(model, 'none') AS name, COUNT(*) AS requests, ${d.total('cost_usd')} AS costUsd FROM traces ${clause} GROUP BY name ORDER BY requests DESC, name`)) as {
      name: string;
      requests: number;
      costUsd: number;
    }[]
  ).map((row) => ({ ...row, share: share(row.requests) }));
  const column = function* (name: 'latency_ms' | 'first_token_ms'): Generator<StatsQueryStep, Percentiles | undefined, Row[]> {
    return percentilesOf(((yield step(`SELECT ${name} AS value FROM traces ${clause} AND ${name} IS NOT NULL ORDER BY ${name}`)) as { value: number }[]).map((row) => row.value));
  };
  const served = count(totalsRow, 'served');
  const stats: TraceStats = {
    since: query.since,
    until: query.until,
    requests,
    statuses: { ok: count(totalsRow, 'ok'), error: count(totalsRow, 'error'), blocked: count(totalsRow, 'blocked'), aborted: count(totalsRow, 'aborted'), shutdown: count(totalsRow, 'shutdown') },
    routes,
    models,
    fallbackRate: served === 0 ? 0 : count(totalsRow, 'fallbacks') / served,
    retryRate: share(count(totalsRow, 'retried')),
    errorRate: share(count(totalsRow, 'error')),
    latencyMs: yield* column('latency_ms'),
    firstTokenMs: yield* column('first_token_ms'),
    costUsd: count(totalsRow, 'cost'),
    referenceCostUsd: count(totalsRow, 'reference'),
    savingsUsd: count(totalsRow, 'savings'),
    unknownCost: count(totalsRow, 'unknown'),
    inputTokens: count(totalsRow, 'inputTokens'),
    outputTokens: count(totalsRow, 'outputTokens'),
  };
  if (query.bucketMs !== undefined) {
    const size = Math.floor(query.bucketMs);
    stats.timeline = (yield step(
      `SELECT ${d.floorTo('started_at', '?')} AS start, COUNT(*) AS requests, ${d.countIf("status = 'error'")} AS errors, SUM(fallback) AS fallbacks,
          ${d.total('cost_usd')} AS costUsd, ${d.total('reference_cost_usd')} AS referenceCostUsd, AVG(latency_ms) AS meanLatencyMs
         FROM traces ${clause} GROUP BY start ORDER BY start`,
      [size, size, ...params],
    )) as TimelineBucket[];
  }
  if (query.by !== undefined) stats.groups = yield* groupStats(d, query.by, clause, params);
  return stats;
}

/** The figures per key or team over the same traces, the dearest first (then the busiest, then by id). */
function* groupStats(d: StatsDialect, by: StatsGrouping, clause: string, params: (string | number)[]): Generator<StatsQueryStep, GroupStats[], Row[]> {
  const group = GROUP_COLUMN[by];
  const rows = (yield { sql: d.render(`SELECT ${group} AS grp, MAX(team) AS lastTeam, ${totals(d)} FROM traces ${clause} GROUP BY grp ORDER BY cost DESC, requests DESC, grp`), params }) as Totals[];
  const latencies = new Map<string | null, number[]>();
  for (const row of (yield { sql: d.render(`SELECT ${group} AS grp, latency_ms AS value FROM traces ${clause} ORDER BY latency_ms`), params }) as { grp: string | null; value: number }[]) {
    const values = latencies.get(row.grp) ?? [];
    values.push(row.value);
    latencies.set(row.grp, values);
  }
  const result: GroupStats[] = [];
  for (const row of rows) {
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
    if (by !== 'key') {
      result.push(figures);
      continue;
    }
    const key = id === null ? undefined : ((yield { sql: d.render('SELECT name, team FROM virtual_keys WHERE id = ?'), params: [id] })[0] as { name: string; team: string | null } | undefined);
    result.push({ ...figures, name: key?.name ?? null, team: key ? key.team : ((row['lastTeam'] as string | null) ?? null) });
  }
  return result;
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
