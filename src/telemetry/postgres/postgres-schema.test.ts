import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDecision } from '../../spec/empty-decision.js';
import type { Trace } from '../../spec/trace.js';
import { postgresMissing, startPostgres, type PostgresServer } from '../../../test/support/local-servers.js';
import { freshDatabase, queryDatabase } from '../../../test/support/postgres-database.js';
import { configure, migrate, MIGRATIONS, SCHEMA_VERSION } from '../trace-store-schema.js';
import { postgresPool } from './postgres-pool.js';
import { postgresDdl } from './postgres-ddl.js';
import { PostgresTraceStore } from './postgres-trace-store.js';

/** One schema, two dialects: the PostgreSQL store migrates to the tables SQLite has, once, under a lock, and keeps them by retention. */

const LONG = { maxAgeMs: 365 * 86_400_000, maxRows: 1_000 };
const PG_TYPE: Record<string, string> = { INTEGER: 'bigint', REAL: 'double precision', TEXT: 'text' };

function trace(id: string, startedAt: number, preview = 'p'): Trace {
  return {
    id,
    startedAt,
    requested: 'auto',
    prompt: { preview, sha256: 'a'.repeat(64) },
    router: 'auto',
    route: 'chat',
    model: 'cheap',
    stream: false,
    decision: emptyDecision({ requested: 'auto', router: 'auto', route: 'chat', policy: 'single', candidates: [], reference: null }),
    attempts: [],
    skipped: [],
    notes: [],
    usage: undefined,
    costUsd: undefined,
    referenceCostUsd: undefined,
    savingsUsd: undefined,
    status: 'ok',
    error: undefined,
    latencyMs: 1,
    firstTokenMs: undefined,
  };
}

describe.skipIf(postgresMissing !== undefined)('the PostgreSQL trace store schema', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(() => server?.stop());

  it('has the tables, columns (types mapped), nullability and indexes of the SQLite schema, and records every migration', async () => {
    const url = await freshDatabase(server);
    await (await PostgresTraceStore.open({ url, retention: LONG })).close();
    const sqlite = new Database(':memory:');
    configure(sqlite);
    migrate(sqlite, ':memory:');
    const tables = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
    expect(tables).toEqual(['feedback', 'responses', 'schema_migrations', 'spend', 'traces', 'virtual_keys']);
    for (const table of tables) {
      const expected = (sqlite.prepare(`PRAGMA table_info(${table})`).all() as { name: string; type: string; notnull: number; pk: number }[]).map((column) => ({
        name: column.name,
        type: PG_TYPE[column.type],
        nullable: column.notnull === 0 && column.pk === 0,
      }));
      const actual = (
        await queryDatabase<{ name: string; type: string; nullable: string }>(url, 'SELECT column_name AS name, data_type AS type, is_nullable AS nullable FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position', [table])
      ).map((column) => ({ ...column, nullable: column.nullable === 'YES' }));
      expect(actual, table).toEqual(expected);
    }
    const sqliteIndexes = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map((row) => row.name);
    const pgIndexes = (await queryDatabase<{ name: string }>(url, "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname COLLATE \"C\"")).map((row) => row.name);
    expect(pgIndexes).toEqual(sqliteIndexes);
    const partial = await queryDatabase<{ def: string }>(url, "SELECT indexdef AS def FROM pg_indexes WHERE indexname = 'traces_key'");
    expect(partial[0]?.def).toContain('WHERE (key_id IS NOT NULL)');
    expect((await queryDatabase<{ version: number }>(url, 'SELECT version::int AS version FROM schema_migrations ORDER BY version')).map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
    sqlite.close();
  });

  it('migrates once when three gateways open the same new database at once', async () => {
    const url = await freshDatabase(server);
    const stores = await Promise.all([0, 1, 2].map(() => PostgresTraceStore.open({ url, retention: LONG })));
    await Promise.all(stores.map((store) => store.close()));
    expect(await queryDatabase(url, 'SELECT version::int AS version, COUNT(*)::int AS n FROM schema_migrations GROUP BY version ORDER BY version')).toEqual(MIGRATIONS.map((m) => ({ version: m.version, n: 1 })));
  });

  it('brings a database of an older version up to date, keeping its rows', async () => {
    const url = await freshDatabase(server);
    await queryDatabase(url, 'CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)');
    for (const migration of MIGRATIONS.filter((m) => m.version <= 3)) {
      await queryDatabase(url, postgresDdl(migration.sql));
      await queryDatabase(url, 'INSERT INTO schema_migrations VALUES ($1, 0)', [migration.version]);
    }
    await queryDatabase(url, "INSERT INTO traces (id, started_at, requested, status, stream, attempts, retries, fallback, latency_ms, prompt_preview, prompt_sha256, trace_json) VALUES ('old', 1, 'auto', 'ok', 0, 1, 0, 0, 1, 'p', 'h', '{}')");
    await (await PostgresTraceStore.open({ url, retention: undefined })).close();
    expect((await queryDatabase<{ version: number }>(url, 'SELECT version::int AS version FROM schema_migrations ORDER BY version')).map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await queryDatabase(url, 'SELECT id, key_id, team FROM traces')).toEqual([{ id: 'old', key_id: null, team: null }]);
  });

  it('refuses a database at a newer schema version and leaves it untouched', async () => {
    const url = await freshDatabase(server);
    await queryDatabase(url, 'CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)');
    await queryDatabase(url, 'INSERT INTO schema_migrations VALUES ($1, 0)', [SCHEMA_VERSION + 1]);
    await expect(PostgresTraceStore.open({ url: url.replace('postgres@', 'postgres:s3cret@'), retention: LONG })).rejects.toThrow(
      `has schema version ${SCHEMA_VERSION + 1}, newer than this Switchyard's ${SCHEMA_VERSION}`,
    );
    await expect(PostgresTraceStore.open({ url: url.replace('postgres@', 'postgres:s3cret@'), retention: LONG })).rejects.not.toThrow(/s3cret/);
    expect(await queryDatabase(url, "SELECT to_regclass('traces')::text AS name")).toEqual([{ name: null }]);
  });

  it('applies retention by age and by rows, removes stored responses with their traces (the trigger), and stores a NUL as U+FFFD', async () => {
    const url = await freshDatabase(server);
    const now = Date.now();
    const store = await PostgresTraceStore.open({ url, retention: { maxAgeMs: 3_600_000, maxRows: 3 }, batchMs: 5 });
    store.record(trace('old', now - 7_200_000));
    // r3's prompt is the text of an escape (a backslash, then u0000): it must come back as written.
    for (let i = 0; i < 5; i++) store.record(trace(`r${i}`, now - 1_000 + i, i === 4 ? 'nul\u0000here' : i === 3 ? 'text \\u0000 and \\\u0000' : 'p'));
    for (const id of ['old', 'r0', 'r4']) store.putResponse({ id: `resp_${id}`, traceId: id, createdAt: now, owner: undefined, input: [], response: {} });
    expect(await store.flush()).toBe(true);
    await store.retain();
    expect((await queryDatabase<{ id: string }>(url, 'SELECT id FROM traces ORDER BY id')).map((row) => row.id)).toEqual(['r2', 'r3', 'r4']);
    expect((await queryDatabase<{ id: string }>(url, 'SELECT id FROM responses ORDER BY id')).map((row) => row.id)).toEqual(['resp_r4']);
    expect(await queryDatabase(url, "SELECT prompt_preview FROM traces WHERE id = 'r4'")).toEqual([{ prompt_preview: 'nul\uFFFDhere' }]);
    const stored = await queryDatabase<{ id: string; trace_json: string }>(url, "SELECT id, trace_json FROM traces WHERE id IN ('r3', 'r4') ORDER BY id");
    expect(stored.map((row) => (JSON.parse(row.trace_json) as Trace).prompt.preview)).toEqual(['text \\u0000 and \\\uFFFD', 'nul\uFFFDhere']);
    expect(store.counts()).toMatchObject({ recorded: 6, written: 6 });
    await store.close();
  });

  it('exports every trace with feedback, oldest first, a page at a time, each with its own feedback', async () => {
    const url = await freshDatabase(server);
    const store = await PostgresTraceStore.open({ url, retention: undefined, batchMs: 5 });
    // Equal start times across the page boundary: the keyset goes on by id.
    for (let i = 0; i < 1_201; i++) store.record(trace(`x${String(i).padStart(5, '0')}`, 1_000 + Math.floor(i / 3)));
    store.record(trace('no-feedback', 1_000));
    await store.flush();
    await queryDatabase(url, "INSERT INTO feedback (trace_id, created_at, score) SELECT id, 0, 1 FROM traces WHERE id <> 'no-feedback'");
    await queryDatabase(url, "INSERT INTO feedback (trace_id, created_at, score) VALUES ('x00499', 1, 0.5), ('x00500', 1, 0.25)");
    const exported: string[] = [];
    for await (const { trace: t, feedback } of store.withFeedback({})) exported.push(`${t.id}:${feedback.map((f) => f.score).join('/')}`);
    expect(exported).toHaveLength(1_201);
    expect(exported.slice(498, 502)).toEqual(['x00498:1', 'x00499:1/0.5', 'x00500:1/0.25', 'x00501:1']);
    expect(new Set(exported).size).toBe(1_201);
    await store.close();
  });

  it('outlives a server that goes away while a connection is checked out between two queries (its next query fails instead)', async () => {
    const pool = postgresPool(await freshDatabase(server), { onError: () => undefined });
    const client = await pool.connect();
    await client.query('BEGIN');
    // Unheard, the connection's error event would end this process (vitest reports it as an uncaught error).
    const ended = new Promise((resolve) => client.once('end', resolve));
    await server.pause();
    await ended;
    try {
      await expect(client.query('SELECT 1')).rejects.toThrow();
    } finally {
      client.release(true);
      await server.start();
      await pool.end();
    }
  });
});
