import type { Database, Statement } from 'better-sqlite3';
import { displayPrefix, generateKeyId, generateKeySecret, hashKeySecret } from './key-secret.js';
import type { BudgetPeriod, KeyLimits, VirtualKey, VirtualKeyInput, VirtualKeyUpdate } from './virtual-key.js';

/** A key as created or rotated: the record, and the secret, which is shown this once and never stored. */
export type IssuedKey = { key: VirtualKey; secret: string };

type KeyRow = {
  id: string;
  secret_prefix: string;
  name: string;
  team: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  routers_json: string | null;
  models_json: string | null;
  metadata_json: string;
  budget_usd: number | null;
  budget_period: string | null;
  rpm: number | null;
  tpm: number | null;
  max_concurrent: number | null;
  require_guard: number;
};

const COLUMNS = 'id, secret_prefix, name, team, created_at, updated_at, expires_at, revoked_at, routers_json, models_json, metadata_json, budget_usd, budget_period, rpm, tpm, max_concurrent, require_guard';

/**
 * The virtual keys, in the `virtual_keys` table of the trace store's database (migrations 3 and 6 of
 * `telemetry/trace-store-schema.ts`; the caller opens and migrates it). A secret is looked up by
 * its SHA-256 and never stored, logged or returned after `create`/`rotate`.
 */
export class SqliteKeyStore {
  private readonly statements: Record<'insert' | 'byId' | 'byHash' | 'active' | 'all' | 'byTeam' | 'write' | 'revoke' | 'rotate', Statement>;

  constructor(private readonly db: Database) {
    this.statements = {
      insert: db.prepare(`INSERT INTO virtual_keys (secret_sha256, ${COLUMNS}) VALUES (?, ${COLUMNS.split(',').map(() => '?').join(', ')})`),
      byId: db.prepare(`SELECT ${COLUMNS} FROM virtual_keys WHERE id = ?`),
      byHash: db.prepare(`SELECT ${COLUMNS} FROM virtual_keys WHERE secret_sha256 = ?`),
      active: db.prepare('SELECT 1 FROM virtual_keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) LIMIT 1'),
      all: db.prepare(`SELECT ${COLUMNS} FROM virtual_keys ORDER BY created_at, id`),
      byTeam: db.prepare(`SELECT ${COLUMNS} FROM virtual_keys WHERE team = ? ORDER BY created_at, id`),
      write: db.prepare(
        'UPDATE virtual_keys SET name = ?, team = ?, updated_at = ?, expires_at = ?, routers_json = ?, models_json = ?, metadata_json = ?, budget_usd = ?, budget_period = ?, rpm = ?, tpm = ?, max_concurrent = ?, require_guard = ? WHERE id = ?',
      ),
      revoke: db.prepare('UPDATE virtual_keys SET revoked_at = COALESCE(revoked_at, ?), updated_at = ? WHERE id = ?'),
      rotate: db.prepare('UPDATE virtual_keys SET secret_sha256 = ?, secret_prefix = ?, updated_at = ? WHERE id = ?'),
    };
  }

  create(input: VirtualKeyInput, now = Date.now()): IssuedKey {
    const secret = generateKeySecret();
    const key: VirtualKey = {
      id: generateKeyId(),
      name: input.name,
      team: input.team,
      prefix: displayPrefix(secret),
      createdAt: now,
      updatedAt: now,
      expiresAt: input.expiresAt,
      revokedAt: undefined,
      routers: input.routers,
      models: input.models,
      metadata: input.metadata ?? {},
      limits: input.limits ?? {},
      requireGuard: input.requireGuard === true,
    };
    const row = toRow(key);
    this.statements.insert.run(hashKeySecret(secret), ...COLUMNS.split(', ').map((column) => row[column as keyof KeyRow]));
    return { key, secret };
  }

  get(id: string): VirtualKey | undefined {
    const row = this.statements.byId.get(id) as KeyRow | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  /** The key a secret belongs to, whatever its state (the caller checks `keyState`). */
  findBySecret(secret: string): VirtualKey | undefined {
    return this.findByHash(hashKeySecret(secret));
  }

  /** The key whose secret has this SHA-256 (hex), whatever its state. */
  findByHash(hash: string): VirtualKey | undefined {
    const row = this.statements.byHash.get(hash) as KeyRow | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  /** Whether any key is active at `now`: the gateway then asks every client for a key. */
  hasActiveKeys(now = Date.now()): boolean {
    return this.statements.active.get(now) !== undefined;
  }

  list(filter: { team?: string | undefined } = {}): VirtualKey[] {
    const rows = (filter.team === undefined ? this.statements.all.all() : this.statements.byTeam.all(filter.team)) as KeyRow[];
    return rows.map(fromRow);
  }

  /** Changes the fields `update` names (`null` clears one); `undefined` when there is no such key. */
  update(id: string, update: VirtualKeyUpdate, now = Date.now()): VirtualKey | undefined {
    return this.db.transaction(() => {
      const current = this.get(id);
      if (current === undefined) return undefined;
      const pick = <T>(value: T | null | undefined, kept: T | undefined): T | undefined => (value === null ? undefined : value === undefined ? kept : value);
      const limits = update.limits ?? {};
      const next: VirtualKey = {
        ...current,
        name: update.name ?? current.name,
        team: pick(update.team, current.team),
        updatedAt: now,
        expiresAt: pick(update.expiresAt, current.expiresAt),
        routers: pick(update.routers, current.routers),
        models: pick(update.models, current.models),
        metadata: pick(update.metadata, current.metadata) ?? {},
        limits: {
          budget: pick(limits.budget, current.limits.budget),
          rpm: pick(limits.rpm, current.limits.rpm),
          tpm: pick(limits.tpm, current.limits.tpm),
          maxConcurrent: pick(limits.maxConcurrent, current.limits.maxConcurrent),
        },
        requireGuard: pick(update.requireGuard, current.requireGuard) === true,
      };
      const row = toRow(next);
      this.statements.write.run(row.name, row.team, row.updated_at, row.expires_at, row.routers_json, row.models_json, row.metadata_json, row.budget_usd, row.budget_period, row.rpm, row.tpm, row.max_concurrent, row.require_guard, id);
      return next;
    })();
  }

  /** Revokes a key for good (a second revocation keeps the first time); `undefined` when there is no such key. */
  revoke(id: string, now = Date.now()): VirtualKey | undefined {
    this.statements.revoke.run(now, now, id);
    return this.get(id);
  }

  /** A new secret for the same key and record; the old secret no longer matches anything. */
  rotate(id: string, now = Date.now()): IssuedKey | undefined {
    const secret = generateKeySecret();
    const changed = this.statements.rotate.run(hashKeySecret(secret), displayPrefix(secret), now, id).changes;
    const key = changed === 0 ? undefined : this.get(id);
    return key === undefined ? undefined : { key, secret };
  }
}

function toRow(key: VirtualKey): KeyRow {
  return {
    id: key.id,
    secret_prefix: key.prefix,
    name: key.name,
    team: key.team ?? null,
    created_at: key.createdAt,
    updated_at: key.updatedAt,
    expires_at: key.expiresAt ?? null,
    revoked_at: key.revokedAt ?? null,
    routers_json: key.routers === undefined ? null : JSON.stringify(key.routers),
    models_json: key.models === undefined ? null : JSON.stringify(key.models),
    metadata_json: JSON.stringify(key.metadata),
    budget_usd: key.limits.budget?.usd ?? null,
    budget_period: key.limits.budget?.period ?? null,
    rpm: key.limits.rpm ?? null,
    tpm: key.limits.tpm ?? null,
    max_concurrent: key.limits.maxConcurrent ?? null,
    require_guard: key.requireGuard === true ? 1 : 0,
  };
}

function fromRow(row: KeyRow): VirtualKey {
  const limits: KeyLimits = {};
  if (row.budget_usd !== null && row.budget_period !== null) limits.budget = { usd: row.budget_usd, period: row.budget_period as BudgetPeriod };
  if (row.rpm !== null) limits.rpm = row.rpm;
  if (row.tpm !== null) limits.tpm = row.tpm;
  if (row.max_concurrent !== null) limits.maxConcurrent = row.max_concurrent;
  return {
    id: row.id,
    name: row.name,
    team: row.team ?? undefined,
    prefix: row.secret_prefix,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at ?? undefined,
    revokedAt: row.revoked_at ?? undefined,
    routers: row.routers_json === null ? undefined : (JSON.parse(row.routers_json) as string[]),
    models: row.models_json === null ? undefined : (JSON.parse(row.models_json) as string[]),
    metadata: JSON.parse(row.metadata_json) as Record<string, string>,
    limits,
    requireGuard: row.require_guard === 1,
  };
}
