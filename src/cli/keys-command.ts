import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../config/load-config.js';
import { StartupError } from '../errors/startup-error.js';
import { announceKeyChangeFromCli } from './announce-key-change.js';
import type { IssuedKey, KeyStore } from '../keys/key-store.js';
import { keyView, type KeyView } from '../keys/key-view.js';
import { parseBudget } from '../keys/parse-budget.js';
import { PostgresKeyStore } from '../keys/postgres-key-store.js';
import { SqliteKeyStore } from '../keys/sqlite-key-store.js';
import type { VirtualKeyInput, VirtualKeyUpdate } from '../keys/virtual-key.js';
import { migratePostgres } from '../telemetry/postgres/postgres-migrate.js';
import { postgresPool } from '../telemetry/postgres/postgres-pool.js';
import { redactedUrl } from '../telemetry/postgres/redacted-url.js';
import { configure, migrate } from '../telemetry/trace-store-schema.js';
import { parseTimestamp } from '../util/parse-timestamp.js';
import { reportFailure, UsageError, type CliIo } from './cli-io.js';
import { parseMetadata } from './parse-metadata.js';
import { parseNumberOption } from './number-option.js';
import { formatTable } from './format-table.js';

export const KEYS_USAGE = `Usage: switchyard keys <create|list|show|update|revoke|rotate> [ID] [options]

Virtual keys: each app or team its own gateway key, stored in the trace store (the config's
storage.path, or its storage.postgres database) as a SHA-256 hash only. The secret (sk-swy-...) is printed once, by create and
rotate, and never again; keep it then.

  keys create --name NAME [options]   A new key; prints its secret once
  keys list [--team TEAM]             Every key (never a secret)
  keys show ID                        One key
  keys update ID [options]            Change the options given; "none" clears one (--team none)
  keys revoke ID                      Refuse the key from now on (for good)
  keys rotate ID                      A new secret for the same key; the old one is refused

Options of create and update:
      --name NAME          What the key is for (shown in traces and logs, with its id)
      --team TEAM          The team it belongs to
      --routers A,B        The only routers it may use
      --models X,Y         The only concrete models it may ask for
                           (neither: any router or model; either one alone: only the names listed)
      --expires WHEN       When it stops working: a duration from now (30d, 12h), an ISO time or epoch ms
      --metadata K=V       A label to keep with the key (repeatable)
      --budget USD/PERIOD  Spend limit per day, week or month (e.g. 25/month)
      --rpm N              Requests per minute
      --tpm N              Tokens per minute
      --max-concurrent N   Requests in flight at once
      --require-guard      Only routers with a safety guard (the config's routers' guard:);
                           update: --require-guard none lifts it
  Limits apply to every request of the key (on top of its team's, from the config's teams:), on
  each gateway that reads this store; a change reaches them within 5 s (PostgreSQL: at once).

Common options:
  -c, --config FILE   Config whose storage.path (or storage.postgres) holds the keys (default: $SWITCHYARD_CONFIG, ./switchyard.yaml, or the quickstart config)
      --db FILE       Use this SQLite store instead
      --postgres URL  Use this PostgreSQL database instead
      --json          Print JSON
  -h, --help          Show this help`;

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

type KeysValues = {
  name?: string | undefined;
  team?: string | undefined;
  routers?: string | undefined;
  models?: string | undefined;
  expires?: string | undefined;
  metadata?: string[] | undefined;
  budget?: string | undefined;
  rpm?: string | undefined;
  tpm?: string | undefined;
  'max-concurrent'?: string | undefined;
  /** `--require-guard` is a flag, `--require-guard none` clears it: parsed apart (`requireGuardOf`). */
  requireGuard?: boolean | null | undefined;
};

export async function keysCommand(args: string[], io: CliIo): Promise<number> {
  try {
    const guard = requireGuardOf(args);
    const { values: parsed, positionals } = parseArgs({
      args: guard.rest,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        db: { type: 'string' },
        postgres: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        name: { type: 'string' },
        team: { type: 'string' },
        routers: { type: 'string' },
        models: { type: 'string' },
        expires: { type: 'string' },
        metadata: { type: 'string', multiple: true },
        budget: { type: 'string' },
        rpm: { type: 'string' },
        tpm: { type: 'string' },
        'max-concurrent': { type: 'string' },
      },
    });
    const values = { ...parsed, requireGuard: guard.value };
    const [action, id, ...extra] = positionals;
    if (values.help || action === undefined) {
      io.out(KEYS_USAGE);
      return values.help ? 0 : 2;
    }
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    const needsId = ['show', 'update', 'revoke', 'rotate'].includes(action);
    if (needsId && id === undefined) throw new UsageError(`keys ${action} needs a key id (key_...)`);
    if (!needsId && id !== undefined) throw new UsageError(`keys ${action} takes no key id, got "${id}"`);
    const editing = action === 'create' || action === 'update';
    if (!editing && hasEditOption(values)) throw new UsageError(`keys ${action} takes no key options (--name, --team, --budget, ...)`);
    if (action === 'list' || action === 'create' || needsId) {
      const now = Date.now();
      const update = editing ? parseEdit(values, now) : undefined;
      if (action === 'create' && update?.name === undefined) throw new UsageError('keys create needs --name NAME');
      const code = await withStore(storeLocation(values, io), action === 'create', async (store) => {
        switch (action) {
          case 'create':
            return printIssued(io, await store.create(clean(update ?? {}), now), values.json, now);
          case 'list':
            return printKeys(io, store.list({ team: values.team }).map((key) => keyView(key, now)), values.json);
          case 'rotate':
            return printIssued(io, found(await store.rotate(id ?? '', now), id), values.json, now);
          default: {
            const key = action === 'show' ? store.get(id ?? '') : action === 'revoke' ? await store.revoke(id ?? '', now) : await store.update(id ?? '', update ?? {}, now);
            return printKey(io, keyView(found(key, id), now), values.json);
          }
        }
      });
      if (code === 0 && (action === 'revoke' || action === 'rotate' || action === 'update')) await announceKeyChangeFromCli(values, io, id ?? '');
      return code;
    }
    throw new UsageError(`unknown keys action "${action}"`);
  } catch (error) {
    return reportFailure(io, error, KEYS_USAGE);
  }
}

function hasEditOption(values: KeysValues & { team?: string | undefined }): boolean {
  const { team: _team, ...rest } = values;
  return ['name', 'routers', 'models', 'expires', 'metadata', 'budget', 'rpm', 'tpm', 'max-concurrent', 'requireGuard'].some((option) => rest[option as keyof typeof rest] !== undefined);
}

/** The options given, as an update: `none` clears a field. */
function parseEdit(values: KeysValues, now: number): VirtualKeyUpdate {
  const cleared = (raw: string | undefined): raw is 'none' => raw === 'none';
  const list = (raw: string | undefined): string[] | null | undefined => (raw === undefined ? undefined : cleared(raw) ? null : raw.split(',').map((item) => item.trim()).filter((item) => item !== ''));
  const count = (option: string, raw: string | undefined): number | null | undefined => (raw === undefined ? undefined : cleared(raw) ? null : parseNumberOption(option, raw, 0, { integer: true, min: 1 }));
  const budget = values.budget === undefined ? undefined : cleared(values.budget) ? null : parseBudget(values.budget);
  if (budget !== undefined && budget !== null && 'error' in budget) throw new UsageError(`--budget: ${budget.error}`);
  if (values.name !== undefined && values.name.trim() === '') throw new UsageError('--name must not be empty');
  return {
    name: values.name,
    team: values.team === undefined ? undefined : cleared(values.team) ? null : values.team,
    routers: list(values.routers),
    models: list(values.models),
    expiresAt: values.expires === undefined ? undefined : cleared(values.expires) ? null : parseExpires(values.expires, now),
    metadata: values.metadata === undefined ? undefined : parseMetadata(values.metadata),
    requireGuard: values.requireGuard,
    limits: { budget, rpm: count('--rpm', values.rpm), tpm: count('--tpm', values.tpm), maxConcurrent: count('--max-concurrent', values['max-concurrent']) },
  };
}

/** An update's fields without the clearing `null`s: what `create` takes. */
function clean(update: VirtualKeyUpdate): VirtualKeyInput {
  const some = <T>(value: T | null | undefined): T | undefined => value ?? undefined;
  const limits = update.limits ?? {};
  return {
    name: update.name ?? '',
    team: some(update.team),
    routers: some(update.routers),
    models: some(update.models),
    expiresAt: some(update.expiresAt),
    metadata: some(update.metadata),
    requireGuard: some(update.requireGuard),
    limits: { budget: some(limits.budget), rpm: some(limits.rpm), tpm: some(limits.tpm), maxConcurrent: some(limits.maxConcurrent) },
  };
}

/** `--require-guard` (true) or `--require-guard none` / `=none` (null, cleared), taken out of `args`. */
function requireGuardOf(args: readonly string[]): { rest: string[]; value: true | null | undefined } {
  const rest: string[] = [];
  let value: true | null | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--require-guard=none' || (arg === '--require-guard' && args[index + 1] === 'none')) {
      value = null;
      if (arg === '--require-guard') index++;
    } else if (arg === '--require-guard') value = true;
    else if (arg?.startsWith('--require-guard=')) throw new UsageError(`--require-guard takes no value but "none" (to clear it), got "${arg.slice('--require-guard='.length)}"`);
    else if (arg !== undefined) rest.push(arg);
  }
  return { rest, value };
}

function parseExpires(raw: string, now: number): number {
  const relative = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(raw.trim());
  if (relative) return now + Number(relative[1]) * (UNITS[relative[2] as string] as number);
  const time = parseTimestamp(raw);
  if (time === undefined) throw new UsageError(`--expires expects a duration from now such as 30d or 12h, an ISO time, or epoch milliseconds; got "${raw}"`);
  return time;
}

function found<T>(value: T | undefined, id: string | undefined): T {
  if (value === undefined) throw new UsageError(`no key "${id}" (see switchyard keys list)`);
  return value;
}

type StoreLocation = { sqlite: string } | { postgres: string };

/** `--db`, `--postgres`, else the config's `storage.postgres`, else its `storage.path`. */
function storeLocation(values: { db?: string | undefined; postgres?: string | undefined; config?: string | undefined }, io: CliIo): StoreLocation {
  if (values.db !== undefined && values.postgres !== undefined) throw new UsageError('--db and --postgres name two stores: pass one');
  if (values.db !== undefined) return { sqlite: resolve(io.cwd, values.db) };
  if (values.postgres !== undefined) {
    if (!/^postgres(ql)?:\/\/./.test(values.postgres)) throw new UsageError('--postgres expects a postgres:// or postgresql:// URL');
    return { postgres: values.postgres };
  }
  const config = loadConfig({ explicit: values.config, env: io.env, cwd: io.cwd });
  return config.storage.postgres === undefined ? { sqlite: resolve(io.cwd, config.storage.path) } : { postgres: config.storage.postgres.url };
}

/** Opens (creating only for `create`) and migrates the store, runs `body`, closes it. */
async function withStore(location: StoreLocation, create: boolean, body: (store: KeyStore) => Promise<number>): Promise<number> {
  if ('postgres' in location) {
    const pool = postgresPool(location.postgres, { max: 1 });
    try {
      await migratePostgres(pool, redactedUrl(location.postgres));
    } catch (error) {
      throw error instanceof StartupError ? error : new StartupError(`cannot open the key store in PostgreSQL ${redactedUrl(location.postgres)}: ${error instanceof Error ? error.message : String(error)}`, error);
    } finally {
      await pool.end();
    }
    const store = await PostgresKeyStore.open({ url: location.postgres, watch: false });
    try {
      return await body(store);
    } finally {
      await store.close();
    }
  }
  const path = location.sqlite;
  if (!create && !existsSync(path)) throw new UsageError(`no store at ${path}: \`switchyard keys create\` or \`switchyard serve\` creates it at the config's storage.path; pass --config or --db`);
  const db = new Database(path);
  try {
    configure(db);
    migrate(db, path);
    return await body(new SqliteKeyStore(db));
  } finally {
    db.close();
  }
}

function printIssued(io: CliIo, issued: IssuedKey, json: boolean | undefined, now: number): number {
  const view = keyView(issued.key, now);
  if (json) {
    io.out(JSON.stringify({ ...view, secret: issued.secret }, null, 2));
    return 0;
  }
  io.out(`${describe(view)}\n\nSecret (shown this once; store it now, it cannot be shown again):\n${issued.secret}`);
  return 0;
}

function printKey(io: CliIo, view: KeyView, json: boolean | undefined): number {
  io.out(json ? JSON.stringify(view, null, 2) : describe(view));
  return 0;
}

function printKeys(io: CliIo, views: KeyView[], json: boolean | undefined): number {
  if (json) io.out(JSON.stringify(views, null, 2));
  else if (views.length === 0) io.out('No keys.');
  else io.out(formatTable(['id', 'name', 'team', 'prefix', 'state', 'created'], views.map((view) => [view.id, view.name, view.team ?? '-', view.prefix, view.state, view.created_at])));
  return 0;
}

function describe(view: KeyView): string {
  const { budget, rpm, tpm, max_concurrent: maxConcurrent } = view.limits;
  const metadata = Object.entries(view.metadata).map(([key, value]) => `${key}=${value}`);
  return [
    `${view.id}  ${view.name}  (${view.state})`,
    `  team        ${view.team ?? '-'}`,
    `  prefix      ${view.prefix}`,
    `  created     ${view.created_at}`,
    `  expires     ${view.expires_at ?? 'never'}`,
    ...(view.revoked_at === null ? [] : [`  revoked     ${view.revoked_at}`]),
    `  routers     ${allowed(view.routers, view.models)}`,
    `  models      ${allowed(view.models, view.routers)}`,
    `  metadata    ${metadata.length === 0 ? '-' : metadata.join(', ')}`,
    `  guard       ${view.require_guard ? 'required (only routers with a safety guard)' : '-'}`,
    `  limits      budget ${budget === null ? '-' : `$${budget.usd}/${budget.period}`}, rpm ${rpm ?? '-'}, tpm ${tpm ?? '-'}, max concurrent ${maxConcurrent ?? '-'}`,
  ].join('\n');
}

/** An allow list as the key check reads it: with neither list any name goes; with one list, the other allows nothing. */
function allowed(list: readonly string[] | null, other: readonly string[] | null): string {
  if (list !== null) return list.length === 0 ? 'none' : list.join(', ');
  return other === null ? 'any' : 'none';
}
