-- index feedback_trace on feedback
CREATE INDEX feedback_trace ON feedback (trace_id)

-- index responses_created_at on responses
CREATE INDEX responses_created_at ON responses (created_at)

-- index responses_trace on responses
CREATE INDEX responses_trace ON responses (trace_id)

-- index traces_key on traces
CREATE INDEX traces_key ON traces (key_id, started_at) WHERE key_id IS NOT NULL

-- index traces_router on traces
CREATE INDEX traces_router ON traces (router, started_at)

-- index traces_started_at on traces
CREATE INDEX traces_started_at ON traces (started_at)

-- index traces_team on traces
CREATE INDEX traces_team ON traces (team, started_at) WHERE team IS NOT NULL

-- index virtual_keys_team on virtual_keys
CREATE INDEX virtual_keys_team ON virtual_keys (team)

-- table feedback on feedback
CREATE TABLE feedback (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  trace_id TEXT NOT NULL REFERENCES traces (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  score REAL,
  label TEXT,
  better_model TEXT
, model TEXT, source TEXT NOT NULL DEFAULT 'person', judge_model TEXT, cost_usd REAL, position INTEGER)

-- table responses on responses
CREATE TABLE responses (
  id TEXT PRIMARY KEY,
  trace_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  owner TEXT,
  input_json TEXT NOT NULL,
  response_json TEXT NOT NULL
)

-- table schema_migrations on schema_migrations
CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)

-- table spend on spend
CREATE TABLE spend (
  scope TEXT NOT NULL,
  id TEXT NOT NULL,
  bucket_start INTEGER NOT NULL,
  micro_usd INTEGER NOT NULL,
  PRIMARY KEY (scope, id, bucket_start)
) WITHOUT ROWID

-- table traces on traces
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
, key_id TEXT, team TEXT)

-- table virtual_keys on virtual_keys
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
, require_guard INTEGER NOT NULL DEFAULT 0)

-- trigger traces_delete_responses on traces
CREATE TRIGGER traces_delete_responses AFTER DELETE ON traces BEGIN
  DELETE FROM responses WHERE trace_id = OLD.id;
END
