import { TRACE_COLUMN_NAMES } from './postgres-trace-columns.js';
import { RETENTION_SQL, SPEND_BUCKET_MS } from '../trace-store-schema.js';
import type { StatsDialect } from '../trace-stats.js';
import { numbered } from './postgres-pool.js';

/** `trace-stats.ts`'s figures in PostgreSQL: the same queries, with the few functions that differ. */
export const POSTGRES_STATS: StatsDialect = {
  countIf: (condition) => `COUNT(*) FILTER (WHERE ${condition})`,
  total: (expression) => `COALESCE(SUM(${expression}), 0)`,
  floorTo: (value, size) => `(${value} / ${size}::bigint) * ${size}::bigint`,
  // Unquoted names fold to lower case in PostgreSQL: camelCase aliases keep their case quoted.
  render: (sql) => numbered(sql.replace(/ AS ([a-z]+[A-Z]\w*)/g, ' AS "$1"')),
};

/** Retention as in SQLite (`RETENTION_SQL`): only MAX of two values is GREATEST there. */
export const POSTGRES_RETENTION = Object.fromEntries(
  Object.entries(RETENTION_SQL).map(([name, sql]) => [name, numbered(sql.replace(/\bMAX\(0,/g, 'GREATEST(0,'))]),
) as Record<keyof typeof RETENTION_SQL, string>;

// The trace's JSON is embedded as a JSON value, not a string of it: `->` hands back its text as written
// (a `json` value keeps its input text), so it is neither escaped again nor unescaped.
const ROW_FIELDS = TRACE_COLUMN_NAMES.map(([name, type], index) => (name === 'trace_json' ? `(row->${index})::text` : `(row->>${index})::${type}`));

/**
 * A batch of traces in one statement, its rows one JSON array of arrays (`$1`): JSON.stringify
 * encodes a batch in native code, where array parameters are escaped element by element in
 * JavaScript (the writer's main cost on the event loop). The text never changes (a prepared statement),
 * and the cost of the keyed ones added to their key's and team's spend bucket in the same
 * statement, as the SQLite writer does in its transaction (`trace-writer.ts`): a duplicate id is
 * ignored and adds nothing. Rounding and buckets as there: Math.round is floor(x + 0.5).
 */
export const INSERT_TRACES = `WITH inserted AS (
  INSERT INTO traces (${TRACE_COLUMN_NAMES.map(([name]) => name).join(', ')})
  SELECT ${ROW_FIELDS.join(', ')} FROM json_array_elements($1::json) AS row
  ON CONFLICT (id) DO NOTHING
  RETURNING key_id, team, cost_usd, started_at, latency_ms
), costs AS (
  SELECT key_id, team, (FLOOR((started_at + latency_ms) / ${SPEND_BUCKET_MS}) * ${SPEND_BUCKET_MS})::bigint AS bucket, FLOOR(cost_usd * 1000000 + 0.5)::bigint AS micros
  FROM inserted WHERE key_id IS NOT NULL AND cost_usd IS NOT NULL
)
INSERT INTO spend (scope, id, bucket_start, micro_usd)
SELECT scope, id, bucket, SUM(micros) FROM (
  SELECT 'key' AS scope, key_id AS id, bucket, micros FROM costs
  UNION ALL SELECT 'team', team, bucket, micros FROM costs WHERE team IS NOT NULL
) AS keyed GROUP BY scope, id, bucket
ON CONFLICT (scope, id, bucket_start) DO UPDATE SET micro_usd = spend.micro_usd + excluded.micro_usd`;

/** Stored responses of a batch (the last of one id wins, as INSERT OR REPLACE in SQLite). */
export const UPSERT_RESPONSES = `INSERT INTO responses (id, trace_id, created_at, owner, input_json, response_json)
SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[])
ON CONFLICT (id) DO UPDATE SET trace_id = excluded.trace_id, created_at = excluded.created_at, owner = excluded.owner, input_json = excluded.input_json, response_json = excluded.response_json`;
