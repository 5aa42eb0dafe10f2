import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { PostgresTraceStore } from '../telemetry/postgres/postgres-trace-store.js';
import { redactedUrl } from '../telemetry/postgres/redacted-url.js';
import { SqliteTraceStore } from '../telemetry/sqlite-trace-store.js';
import { STATS_GROUPINGS, type GroupStats, type Percentiles, type StatsGrouping, type TraceStats } from '../telemetry/trace-stats.js';
import { reportFailure, UsageError, type CliIo } from './cli-io.js';
import { formatNumber, formatPercent, formatTable } from './format-table.js';
import { parseTimeOption } from './time-range.js';

export const STATS_USAGE = `Usage: switchyard stats [--config FILE] [--db FILE | --postgres URL] [--since WHEN] [--until WHEN] [--router NAME] [--key ID] [--team NAME] [--by key|team] [--json]

What the routing did over a period, from the trace store: requests, the share of each route and
model, fallback, retry and error rates, latency percentiles, total cost, what the routers'
reference models would have cost, and the savings; per virtual key or team with --by.

Options:
  -c, --config FILE   Config whose trace store to read: storage.postgres when set, else storage.path (default: $SWITCHYARD_CONFIG, ./switchyard.yaml, or the quickstart config)
      --db FILE       Read this SQLite trace store instead
      --postgres URL  Read the trace store in this PostgreSQL database instead
      --since WHEN    Start: a duration back from now (30m, 24h, 7d), an ISO time or epoch ms (default: everything)
      --until WHEN    End, exclusive (default: now)
      --router NAME   Only this router's requests
      --key ID        Only this virtual key's requests (its id, key_…)
      --team NAME     Only the requests of this team's keys
      --by key|team   Also the figures per key or per team, the dearest first
      --json          Print the figures as JSON
  -h, --help          Show this help`;

export async function statsCommand(args: string[], io: CliIo): Promise<number> {
  try {
    const { values } = parseArgs({
      args,
      options: {
        config: { type: 'string', short: 'c' },
        db: { type: 'string' },
        postgres: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        router: { type: 'string' },
        key: { type: 'string' },
        team: { type: 'string' },
        by: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.out(STATS_USAGE);
      return 0;
    }
    const by = parseGrouping(values.by);
    const now = Date.now();
    const source = storeSource(values, io);
    const store = await openForReading(source);
    try {
      const stats = await store.stats({
        since: parseTimeOption('--since', values.since, now),
        until: parseTimeOption('--until', values.until, now),
        router: values.router,
        keyId: values.key,
        team: values.team,
        by,
      });
      io.out(values.json ? JSON.stringify(stats, null, 2) : formatStats(stats, source.label, by));
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    return reportFailure(io, error, STATS_USAGE);
  }
}

function parseGrouping(value: string | undefined): StatsGrouping | undefined {
  if (value === undefined) return undefined;
  if (!STATS_GROUPINGS.includes(value as StatsGrouping)) throw new UsageError(`--by must be one of ${STATS_GROUPINGS.join(', ')}; got ${JSON.stringify(value)}`);
  return value as StatsGrouping;
}

/** Where a command reads traces: a SQLite file, or a PostgreSQL database (`label` names it in messages, without a password). */
export type StoreSource = { sqlite: string; label: string } | { postgres: string; label: string };

/** The trace store a command reads: `--db`, `--postgres`, else the config's `storage.postgres`, else its `storage.path`. */
export function storeSource(values: { db?: string | undefined; postgres?: string | undefined; config?: string | undefined }, io: CliIo): StoreSource {
  if (values.db !== undefined && values.postgres !== undefined) throw new UsageError('pass --db or --postgres, not both');
  if (values.db !== undefined) return sqliteSource(resolve(io.cwd, values.db));
  if (values.postgres !== undefined) return { postgres: values.postgres, label: redactedUrl(values.postgres) };
  const config = loadConfig({ explicit: values.config, env: io.env, cwd: io.cwd });
  if (config.storage.postgres !== undefined) return { postgres: config.storage.postgres.url, label: redactedUrl(config.storage.postgres.url) };
  return sqliteSource(resolve(io.cwd, config.storage.path));
}

function sqliteSource(path: string): StoreSource {
  return { sqlite: path, label: path };
}

export async function openForReading(source: StoreSource): Promise<SqliteTraceStore | PostgresTraceStore> {
  if ('postgres' in source) {
    try {
      return await PostgresTraceStore.open({ url: source.postgres, retention: undefined });
    } catch (error) {
      throw new UsageError(`cannot read the trace store in PostgreSQL ${source.label}: ${(error as Error).message}`);
    }
  }
  const path = source.sqlite;
  if (!existsSync(path)) throw new UsageError(`no trace store at ${path}: \`switchyard serve\` creates it at the config's storage.path; pass --config, --db or --postgres`);
  try {
    return SqliteTraceStore.read(path);
  } catch (error) {
    throw new UsageError(`cannot read the trace store ${path}: ${(error as Error).message} (is this the storage.path the gateway writes?)`);
  }
}

function formatStats(stats: TraceStats, path: string, by: StatsGrouping | undefined): string {
  const range = `${stats.since === undefined ? 'the beginning' : new Date(stats.since).toISOString()} to ${stats.until === undefined ? 'now' : new Date(stats.until).toISOString()}`;
  if (stats.requests === 0) return `No requests in ${path} from ${range}.`;
  const lines = [
    `${stats.requests} requests in ${path}, from ${range}.`,
    `ok ${stats.statuses.ok}, errors ${stats.statuses.error}, blocked ${stats.statuses.blocked}, aborted ${stats.statuses.aborted}, shutdown ${stats.statuses.shutdown}`,
    `error rate ${formatPercent(stats.errorRate)}, fallback rate ${formatPercent(stats.fallbackRate)} (of served), retry rate ${formatPercent(stats.retryRate)}`,
    `latency ${percentiles(stats.latencyMs)}; time to first token (streams) ${percentiles(stats.firstTokenMs)}`,
    `cost $${formatNumber(stats.costUsd, 6)}, reference $${formatNumber(stats.referenceCostUsd, 6)}, savings $${formatNumber(stats.savingsUsd, 6)}${stats.referenceCostUsd > 0 ? ` (${formatPercent(stats.savingsUsd / stats.referenceCostUsd)})` : ''}${stats.unknownCost > 0 ? `; cost unknown for ${stats.unknownCost} requests` : ''}`,
    '',
    formatTable(['route', 'requests', 'share'], stats.routes.map((row) => [row.name, String(row.requests), formatPercent(row.share)])),
    '',
    formatTable(['model', 'requests', 'share', 'cost $'], stats.models.map((row) => [row.name, String(row.requests), formatPercent(row.share), formatNumber(row.costUsd, 6)])),
  ];
  if (stats.groups !== undefined) lines.push('', formatGroups(stats.groups, by));
  return lines.join('\n');
}

/** One row per key or team, the dearest first; `(no key)` / `(no team)` for the requests without one. */
function formatGroups(groups: readonly GroupStats[], by: StatsGrouping | undefined): string {
  const figures = (group: GroupStats): string[] => [
    String(group.requests),
    formatPercent(group.errorRate),
    formatNumber(group.costUsd, 6),
    formatNumber(group.savingsUsd, 6),
    formatNumber(group.referenceCostUsd, 6),
    `${group.inputTokens}/${group.outputTokens}`,
    group.latencyMs === undefined ? '-' : `${formatNumber(group.latencyMs.p50, 1)}/${formatNumber(group.latencyMs.p90, 1)}`,
  ];
  const header = ['requests', 'errors', 'cost $', 'savings $', 'reference $', 'tokens in/out', 'p50/p90 ms'];
  if (by === 'key') {
    return formatTable(['key', 'name', 'team', ...header], groups.map((group) => [group.id ?? '(no key)', group.name ?? '-', group.team ?? '-', ...figures(group)]));
  }
  return formatTable(['team', ...header], groups.map((group) => [group.id ?? '(no team)', ...figures(group)]));
}

function percentiles(value: Percentiles | undefined): string {
  return value === undefined ? '-' : `p50 ${formatNumber(value.p50, 1)} ms, p90 ${formatNumber(value.p90, 1)} ms, p99 ${formatNumber(value.p99, 1)} ms`;
}
