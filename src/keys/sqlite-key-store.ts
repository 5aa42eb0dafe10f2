import type { Database, Statement } from 'better-sqlite3';
import { applyKeyUpdate, newKey } from './apply-key-update.js';
import { displayPrefix, generateKeySecret, hashKeySecret } from './key-secret.js';
import { KEY_COLUMNS, keyFromRow, keyToRow, rowValues, type KeyRow } from './key-row.js';
import type { IssuedKey, KeyStore } from './key-store.js';
import type { VirtualKey, VirtualKeyInput, VirtualKeyUpdate } from './virtual-key.js';

export type { IssuedKey } from './key-store.js';

const COLUMNS = KEY_COLUMNS.join(', ');

/**
 * The virtual keys, in the `virtual_keys` table of the trace store's database (migrations 3 and 6 of
 * `telemetry/trace-store-schema.ts`; the caller opens and migrates it). A secret is looked up by
 * its SHA-256 and never stored, logged or returned after `create`/`rotate`. Synchronous: every
 * read is an indexed read of the local file.
 */
export class SqliteKeyStore implements KeyStore {
  private readonly statements: Record<'insert' | 'byId' | 'byHash' | 'active' | 'all' | 'byTeam' | 'write' | 'revoke' | 'rotate', Statement>;

  constructor(private readonly db: Database) {
    this.statements = {
      insert: db.prepare(`INSERT INTO virtual_keys (secret_sha256, ${COLUMNS}) VALUES (?, ${KEY_COLUMNS.map(() => '?').join(', ')})`),
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
    const key = newKey(input, secret, now);
    this.statements.insert.run(hashKeySecret(secret), ...rowValues(keyToRow(key)));
    return { key, secret };
  }

  get(id: string): VirtualKey | undefined {
    const row = this.statements.byId.get(id) as KeyRow | undefined;
    return row === undefined ? undefined : keyFromRow(row);
  }

  /** The key a secret belongs to, whatever its state (the caller checks `keyState`). */
  findBySecret(secret: string): VirtualKey | undefined {
    return this.findByHash(hashKeySecret(secret));
  }

  findByHash(hash: string): VirtualKey | undefined {
    const row = this.statements.byHash.get(hash) as KeyRow | undefined;
    return row === undefined ? undefined : keyFromRow(row);
  }

  hasActiveKeys(now = Date.now()): boolean {
    return this.statements.active.get(now) !== undefined;
  }

  list(filter: { team?: string | undefined } = {}): VirtualKey[] {
    const rows = (filter.team === undefined ? this.statements.all.all() : this.statements.byTeam.all(filter.team)) as KeyRow[];
    return rows.map(keyFromRow);
  }

  update(id: string, update: VirtualKeyUpdate, now = Date.now()): VirtualKey | undefined {
    return this.db.transaction(() => {
      const current = this.get(id);
      if (current === undefined) return undefined;
      const next = applyKeyUpdate(current, update, now);
      const row = keyToRow(next);
      this.statements.write.run(row.name, row.team, row.updated_at, row.expires_at, row.routers_json, row.models_json, row.metadata_json, row.budget_usd, row.budget_period, row.rpm, row.tpm, row.max_concurrent, row.require_guard, id);
      return next;
    })();
  }

  revoke(id: string, now = Date.now()): VirtualKey | undefined {
    this.statements.revoke.run(now, now, id);
    return this.get(id);
  }

  rotate(id: string, now = Date.now()): IssuedKey | undefined {
    const secret = generateKeySecret();
    const changed = this.statements.rotate.run(hashKeySecret(secret), displayPrefix(secret), now, id).changes;
    const key = changed === 0 ? undefined : this.get(id);
    return key === undefined ? undefined : { key, secret };
  }
}
