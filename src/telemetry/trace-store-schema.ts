import type { Database } from 'better-sqlite3';
import { StartupError } from '../errors/startup-error.js';

/**
 * The trace store's schema, as numbered migrations applied in order and recorded in
 * `schema_migrations`: a database written by an older version is brought up to date at open,
 * and one written by a newer version is refused rather than misread.
 */
export const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE traces (
  id TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  requested TEXT NOT NULL,
  router TEXT,
  route TEXT,
  model TEXT,
  status TEXT NOT NULL,
  stream INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  retries INTEGER NOT NULL,
  fallback INTEGER NOT NULL,
  latency_ms REAL NOT NULL,
  first_token_ms REAL,
  input_tokens INTEGER,
  output_tokens INTEGER,
  cost_usd REAL,
  reference_cost_usd REAL,
  savings_usd REAL,
  prompt_preview TEXT NOT NULL,
  prompt_sha256 TEXT NOT NULL,
  trace_json TEXT NOT NULL
);
CREATE INDEX traces_started_at ON traces (started_at);
CREATE INDEX traces_router ON traces (router, started_at);
CREATE TABLE feedback (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  trace_id TEXT NOT NULL REFERENCES traces (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  score REAL,
  label TEXT,
  better_model TEXT
);
CREATE INDEX feedback_trace ON feedback (trace_id);
`,
  },
  {
    // The Responses API's stored responses (\`previous_response_id\`, \`GET /v1/responses/{id}\`). No
    // foreign key: the response may be written before its trace (both are queued), or its trace
    // dropped; the trigger removes a response with its trace, and retention bounds the rest.
    version: 2,
    sql: `
CREATE TABLE responses (
  id TEXT PRIMARY KEY,
  trace_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  owner TEXT,
  input_json TEXT NOT NULL,
  response_json TEXT NOT NULL
);
CREATE INDEX responses_created_at ON responses (created_at);
CREATE INDEX responses_trace ON responses (trace_id);
CREATE TRIGGER traces_delete_responses AFTER DELETE ON traces BEGIN
  DELETE FROM responses WHERE trace_id = OLD.id;
END;
`,
  },
  {
    // Virtual keys (`src/keys/`): in the trace store's database so that every instance sharing
    // `storage.path` sees a revocation, and one file holds keys and the traces they own. Only the
    // SHA-256 of a secret is stored, with a short non-secret prefix for display, and its limits
    // (`src/keys/key-governor.ts` enforces them).
    version: 3,
    sql: `
CREATE TABLE virtual_keys (
  id TEXT PRIMARY KEY,
  secret_sha256 TEXT NOT NULL UNIQUE,
  secret_prefix TEXT NOT NULL,
  name TEXT NOT NULL,
  team TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER,
  routers_json TEXT,
  models_json TEXT,
  metadata_json TEXT NOT NULL,
  budget_usd REAL,
  budget_period TEXT,
  rpm INTEGER,
  tpm INTEGER,
  max_concurrent INTEGER
);
CREATE INDEX virtual_keys_team ON virtual_keys (team);
`,
  },
  {
    // Who made a request (a virtual key's id and team; NULL without one): the traces API shows each
    // key only its own, stats and budgets sum by key and team, all by time within one. Partial
    // indexes: a request without a key (most, on many gateways) adds no entry to them.
    version: 4,
    sql: `
ALTER TABLE traces ADD COLUMN key_id TEXT;
ALTER TABLE traces ADD COLUMN team TEXT;
CREATE INDEX traces_key ON traces (key_id, started_at) WHERE key_id IS NOT NULL;
CREATE INDEX traces_team ON traces (team, started_at) WHERE team IS NOT NULL;
`,
  },
  {
    // Settled spend per key and team in 15-minute buckets (keys/budget-period.ts), what budgets load
    // at startup: retention deletes traces inside a budget period, so spend cannot be summed from them.
    // The writer thread adds a keyed trace's cost here in the transaction that inserts the trace
    // (trace-writer.ts, ADD_SPEND): a crash loses both or neither. Not a trigger: an AFTER INSERT
    // trigger on traces tripled the cost of every insert, keyed or not (20 → 50 µs a row).
    version: 5,
    sql: `
CREATE TABLE spend (
  scope TEXT NOT NULL,
  id TEXT NOT NULL,
  bucket_start INTEGER NOT NULL,
  micro_usd INTEGER NOT NULL,
  PRIMARY KEY (scope, id, bucket_start)
) WITHOUT ROWID;
`,
  },
  {
    // A key whose policy requires a safety guard (keys/check-key-access.ts): 1, or 0 for the keys before it.
    version: 6,
    sql: 'ALTER TABLE virtual_keys ADD COLUMN require_guard INTEGER NOT NULL DEFAULT 0;',
  },
  {
    // Scores of a judge (shadow evaluation, gateway/shadow/) beside a person's: \`model\` is whose answer
    // was scored (NULL: the served one, as a person's feedback always meant), \`cost_usd\` what that
    // answer cost when the shadow asked for it, \`position\` where the judge saw it (1 or 2: the order
    // is drawn to cancel position bias). The rows before it are a person's.
    version: 7,
    sql: `
ALTER TABLE feedback ADD COLUMN model TEXT;
ALTER TABLE feedback ADD COLUMN source TEXT NOT NULL DEFAULT 'person';
ALTER TABLE feedback ADD COLUMN judge_model TEXT;
ALTER TABLE feedback ADD COLUMN cost_usd REAL;
ALTER TABLE feedback ADD COLUMN position INTEGER;
`,
  },
];

/** Adds cost (micro-dollars) to a key's or a team's bucket of the `spend` table. */
export const ADD_SPEND = 'INSERT INTO spend (scope, id, bucket_start, micro_usd) VALUES (?, ?, ?, ?) ON CONFLICT (scope, id, bucket_start) DO UPDATE SET micro_usd = micro_usd + excluded.micro_usd';
/** The width of a `spend` bucket (keys/budget-period.ts#SPEND_BUCKET_MS: the same 15 minutes). */
export const SPEND_BUCKET_MS = 900_000;

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** Refuses a database written by a newer Switchyard, before anything touches it. */
export function checkVersion(db: Database, path: string): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  const current = table ? ((db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null }).version ?? 0) : 0;
  if (current > SCHEMA_VERSION) {
    throw new StartupError(`the trace store ${path} has schema version ${current}, newer than this Switchyard's ${SCHEMA_VERSION}; upgrade Switchyard or use another storage.path`);
  }
  return current;
}

/** Applies the migrations the database lacks, each in its own transaction. */
export function migrate(db: Database, path: string): void {
  const current = checkVersion(db, path);
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(migration.version, Date.now());
    })();
  }
}

/**
 * Every connection's settings (the writer thread's too). 16 KB pages: a batch of traces goes to the
 * WAL in a quarter of the frames 4 KB pages take (`strace -c` at c=64: 0.51 instead of 1.86 pwrite
 * calls per request); it only applies to a database not yet created, so it comes first, and an
 * existing store keeps its page size. WAL lets the API read while the writer writes;
 * NORMAL syncs at checkpoints, not at every commit; feedback goes with its trace. The busy timeout
 * is each connection's own (`READ_BUSY_TIMEOUT_MS`; the writer thread waits with its own backoff).
 */
export const PRAGMAS = ['page_size = 16384', 'journal_mode = WAL', 'synchronous = NORMAL', 'foreign_keys = ON'] as const;

/** Opening (and migrating) may wait this long for another connection's lock. */
export const OPEN_BUSY_TIMEOUT_MS = 5_000;
/**
 * The API's connection, once open, waits at most this long for a lock. WAL readers never wait on a
 * writer; this bounds a feedback write (or a read during a WAL recovery) when another process holds
 * the database: a prompt 503 rather than a request that hangs.
 */
export const READ_BUSY_TIMEOUT_MS = 250;

export function configure(db: Database): void {
  db.pragma(`busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
  for (const pragma of PRAGMAS) db.pragma(pragma);
}

/**
 * Retention, shared by the writer thread and the in-memory store: older than a time (ms), then all
 * but the newest N rows. Stored responses go with their traces (the trigger of migration 2), and the
 * same bounds apply to them on their own, for those whose trace was never written.
 */
export const RETENTION_SQL = {
  byAge: 'DELETE FROM traces WHERE started_at < ?',
  beyondCount: 'DELETE FROM traces WHERE id IN (SELECT id FROM traces ORDER BY started_at ASC, id ASC LIMIT MAX(0, (SELECT COUNT(*) FROM traces) - ?))',
  responsesByAge: 'DELETE FROM responses WHERE created_at < ?',
  responsesBeyondCount: 'DELETE FROM responses WHERE id IN (SELECT id FROM responses ORDER BY created_at ASC, id ASC LIMIT MAX(0, (SELECT COUNT(*) FROM responses) - ?))',
} as const;

/** The columns of a `responses` row but its two documents, in the order of `INSERT_RESPONSE`. */
export type ResponseColumns = [id: string, traceId: string, createdAt: number, owner: string | null];

/** A stored response's row: the columns, then the input items and the response object as JSON. */
export const INSERT_RESPONSE = `INSERT OR REPLACE INTO responses (id, trace_id, created_at, owner, input_json, response_json)
  VALUES (?, ?, ?, ?, CAST(? AS TEXT), CAST(? AS TEXT))`;
