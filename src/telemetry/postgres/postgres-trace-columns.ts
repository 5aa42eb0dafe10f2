/**
 * The `traces` columns in the order of `trace-row.ts#INSERT_TRACE` (a `TraceColumns` row, then
 * `trace_json`), with their PostgreSQL type as `postgresDdl` renders migrations 1 and 4.
 */
export const TRACE_COLUMN_NAMES: readonly (readonly [name: string, type: 'text' | 'bigint' | 'float8'])[] = [
  ['id', 'text'],
  ['started_at', 'bigint'],
  ['requested', 'text'],
  ['router', 'text'],
  ['route', 'text'],
  ['model', 'text'],
  ['status', 'text'],
  ['stream', 'bigint'],
  ['attempts', 'bigint'],
  ['retries', 'bigint'],
  ['fallback', 'bigint'],
  ['latency_ms', 'float8'],
  ['first_token_ms', 'float8'],
  ['input_tokens', 'bigint'],
  ['output_tokens', 'bigint'],
  ['cost_usd', 'float8'],
  ['reference_cost_usd', 'float8'],
  ['savings_usd', 'float8'],
  ['prompt_preview', 'text'],
  ['prompt_sha256', 'text'],
  ['key_id', 'text'],
  ['team', 'text'],
  ['trace_json', 'text'],
];
