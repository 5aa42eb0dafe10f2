import pg from 'pg';
import { StateUnavailableError } from '../errors/request-errors.js';
import { StartupError } from '../errors/startup-error.js';
import { applyKeyUpdate, newKey } from './apply-key-update.js';
import { KEY_CACHE_TTL_MS } from './cached-key-lookup.js';
import { displayPrefix, generateKeySecret, hashKeySecret } from './key-secret.js';
import { KEY_COLUMNS, keyFromRow, keyToRow, rowValues, type KeyRow } from './key-row.js';
import type { IssuedKey, KeyStore } from './key-store.js';
import { keyState, type VirtualKey, type VirtualKeyInput, type VirtualKeyUpdate } from './virtual-key.js';

/** The channel every write notifies with the key's id: each gateway listening reads that key again. */
export const KEYS_CHANNEL = 'switchyard_keys';
/** How long a lost listening connection waits before it connects again. */
const RECONNECT_MS = 1_000;

const COLUMNS = KEY_COLUMNS.join(', ');
const SELECT = `SELECT secret_sha256, ${COLUMNS} FROM virtual_keys`;
const RETURNING = `RETURNING secret_sha256, ${COLUMNS}`;
/** Notifies in the statement that writes: listeners hear of the change exactly when it commits, and a crash in between is impossible. */
const NOTIFY = `SELECT changed.*, pg_notify('${KEYS_CHANNEL}', changed.id) FROM changed`;

type HashedRow = KeyRow & { secret_sha256: string };

export type PostgresKeyStoreOptions = {
  /** `postgres://…`; never part of a message (it may hold a password). */
  url: string;
  /**
   * Follow other gateways' writes (`serve`): LISTEN on `KEYS_CHANNEL`, and read every key again
   * every `refreshMs` in case a notification was missed (a lost connection). `false` (the CLI):
   * read once at open.
   */
  watch?: boolean | undefined;
  refreshMs?: number | undefined;
  /** A failed read or a lost connection, once per outage; the keys read last keep answering meanwhile. */
  onError?: ((message: string) => void) | undefined;
};

/**
 * The virtual keys in PostgreSQL's `virtual_keys` table (the trace store's schema, migrated by the
 * caller), shared by every gateway on that database. Keys are few: all of them are kept in memory,
 * read at open and again when a gateway's write notifies `KEYS_CHANNEL` (at once) or every
 * `refreshMs` (a missed notification), so looking a key up never waits on the database, and an
 * unknown secret is refused without a round trip. Writes go to the database first, then into
 * memory. Only a secret's SHA-256 is stored.
 */
export class PostgresKeyStore implements KeyStore {
  readonly inMemory = true;
  private byId = new Map<string, { key: VirtualKey; hash: string }>();
  private byHash = new Map<string, VirtualKey>();
  private listening: pg.Client | undefined;
  private timers: { refresh?: NodeJS.Timeout; reconnect?: NodeJS.Timeout } = {};
  /** Reads and written rows go into memory one after the other: an older read never overwrites a newer row. */
  private queue: Promise<void> = Promise.resolve();
  private refreshing = false;
  private failing = false;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresKeyStoreOptions,
  ) {}

  static async open(options: PostgresKeyStoreOptions): Promise<PostgresKeyStore> {
    // Bounded waits: an admin call fails with state_unavailable rather than hanging on a database that stopped answering.
    const pool = new pg.Pool({ connectionString: options.url, max: 2, connectionTimeoutMillis: 5_000, query_timeout: 5_000, idleTimeoutMillis: 30_000, application_name: 'switchyard-keys' });
    const store = new PostgresKeyStore(pool, options);
    pool.on('error', (error) => store.report(`an idle connection failed: ${error.message}`));
    try {
      // Listening before the first read: a change committed between the two is not missed.
      if (options.watch !== false) await store.listen();
      await store.readAll();
    } catch (error) {
      await store.close();
      throw new StartupError(`cannot read the virtual keys from PostgreSQL (storage.postgres.url): ${messageOf(error)}`, error);
    }
    if (options.watch !== false) {
      store.timers.refresh = setInterval(() => store.refresh(), options.refreshMs ?? KEY_CACHE_TTL_MS);
      store.timers.refresh.unref();
    }
    return store;
  }

  get(id: string): VirtualKey | undefined {
    return this.byId.get(id)?.key;
  }

  findByHash(hash: string): VirtualKey | undefined {
    return this.byHash.get(hash);
  }

  hasActiveKeys(now = Date.now()): boolean {
    for (const { key } of this.byId.values()) if (keyState(key, now) === 'active') return true;
    return false;
  }

  /** As SQLite lists them: by creation time, then id. */
  list(filter: { team?: string | undefined } = {}): VirtualKey[] {
    const keys = [...this.byId.values()].map(({ key }) => key).filter((key) => filter.team === undefined || key.team === filter.team);
    return keys.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async create(input: VirtualKeyInput, now = Date.now()): Promise<IssuedKey> {
    const secret = generateKeySecret();
    const values = rowValues(keyToRow(newKey(input, secret, now)));
    const placeholders = values.map((_, index) => `$${index + 2}`).join(', ');
    const key = await this.write(`WITH changed AS (INSERT INTO virtual_keys (secret_sha256, ${COLUMNS}) VALUES ($1, ${placeholders}) ${RETURNING}) ${NOTIFY}`, [hashKeySecret(secret), ...values]);
    if (key === undefined) throw new StateUnavailableError('the key store (PostgreSQL) did not return the key it stored');
    return { key, secret };
  }

  async update(id: string, update: VirtualKeyUpdate, now = Date.now()): Promise<VirtualKey | undefined> {
    const row = await this.transaction(async (client) => {
      const current = (await client.query<HashedRow>(`${SELECT} WHERE id = $1 FOR UPDATE`, [id])).rows[0];
      if (current === undefined) return undefined;
      const next = keyToRow(applyKeyUpdate(keyFromRow(current), update, now));
      const written = await client.query<HashedRow>(
        `WITH changed AS (UPDATE virtual_keys SET name = $1, team = $2, updated_at = $3, expires_at = $4, routers_json = $5, models_json = $6, metadata_json = $7, budget_usd = $8, budget_period = $9, rpm = $10, tpm = $11, max_concurrent = $12, require_guard = $13 WHERE id = $14 ${RETURNING}) ${NOTIFY}`,
        [next.name, next.team, next.updated_at, next.expires_at, next.routers_json, next.models_json, next.metadata_json, next.budget_usd, next.budget_period, next.rpm, next.tpm, next.max_concurrent, next.require_guard, id],
      );
      return written.rows[0];
    });
    return row === undefined ? undefined : this.remember(row);
  }

  revoke(id: string, now = Date.now()): Promise<VirtualKey | undefined> {
    return this.write(`WITH changed AS (UPDATE virtual_keys SET revoked_at = COALESCE(revoked_at, $1), updated_at = $2 WHERE id = $3 ${RETURNING}) ${NOTIFY}`, [now, now, id]);
  }

  async rotate(id: string, now = Date.now()): Promise<IssuedKey | undefined> {
    const secret = generateKeySecret();
    const key = await this.write(`WITH changed AS (UPDATE virtual_keys SET secret_sha256 = $1, secret_prefix = $2, updated_at = $3 WHERE id = $4 ${RETURNING}) ${NOTIFY}`, [hashKeySecret(secret), displayPrefix(secret), now, id]);
    return key === undefined ? undefined : { key, secret };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timers.refresh);
    clearTimeout(this.timers.reconnect);
    const listening = this.listening;
    this.listening = undefined;
    await listening?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  /** One statement that writes a row (or none) and returns it; the row goes into memory before this resolves. */
  private async write(sql: string, params: unknown[]): Promise<VirtualKey | undefined> {
    let rows: HashedRow[];
    try {
      ({ rows } = await this.pool.query<HashedRow>(sql, params));
    } catch (error) {
      throw unavailable(error);
    }
    const row = rows[0];
    return row === undefined ? undefined : this.remember(row);
  }

  private async transaction<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw unavailable(error);
    }
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // A connection that failed mid-transaction is discarded, not handed to the next caller.
      client.release(true);
      throw unavailable(error);
    }
  }

  private async remember(row: HashedRow): Promise<VirtualKey> {
    await this.enqueue(async () => this.apply(row.id, row));
    return keyFromRow(row);
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task).catch((error: unknown) => this.report(`reading the virtual keys failed: ${messageOf(error)}`));
    return this.queue;
  }

  /** The periodic re-read; skipped while the last one still waits (a slow database must not pile them up). */
  private refresh(): void {
    if (this.refreshing) return;
    this.refreshing = true;
    void this.enqueue(() => this.readAll()).finally(() => (this.refreshing = false));
  }

  private async readAll(): Promise<void> {
    const { rows } = await this.pool.query<HashedRow>(SELECT);
    const byId = new Map<string, { key: VirtualKey; hash: string }>();
    const byHash = new Map<string, VirtualKey>();
    for (const row of rows) {
      const key = keyFromRow(row);
      byId.set(key.id, { key, hash: row.secret_sha256 });
      byHash.set(row.secret_sha256, key);
    }
    this.byId = byId;
    this.byHash = byHash;
    this.failing = false;
  }

  private async readOne(id: string): Promise<void> {
    const { rows } = await this.pool.query<HashedRow>(`${SELECT} WHERE id = $1`, [id]);
    this.apply(id, rows[0]);
  }

  private apply(id: string, row: HashedRow | undefined): void {
    const held = this.byId.get(id);
    if (held !== undefined) {
      this.byId.delete(id);
      this.byHash.delete(held.hash);
    }
    if (row !== undefined) {
      const key = keyFromRow(row);
      this.byId.set(id, { key, hash: row.secret_sha256 });
      this.byHash.set(row.secret_sha256, key);
    }
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, connectionTimeoutMillis: 5_000, application_name: 'switchyard-keys-listen' });
    client.on('error', (error) => this.lost(client, error.message));
    client.on('end', () => this.lost(client, 'the connection closed'));
    client.on('notification', (notification) => {
      const id = notification.payload;
      if (notification.channel === KEYS_CHANNEL && id !== undefined && id !== '') void this.enqueue(() => this.readOne(id));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${KEYS_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.listening = client;
  }

  /** The listening connection is gone: connect again, then read everything (notifications sent meanwhile are lost). */
  private lost(client: pg.Client, detail: string): void {
    if (this.closed || this.listening !== client) return;
    this.listening = undefined;
    this.report(`the connection listening for key changes was lost (${detail}); reconnecting`);
    this.reconnect();
  }

  private reconnect(): void {
    this.timers.reconnect = setTimeout(() => {
      if (this.closed) return;
      this.listen().then(
        () => this.enqueue(() => this.readAll()),
        () => this.reconnect(),
      );
    }, RECONNECT_MS);
    this.timers.reconnect.unref();
  }

  private report(message: string): void {
    if (this.failing || this.closed) return;
    this.failing = true;
    this.options.onError?.(message);
  }
}

function unavailable(error: unknown): StateUnavailableError {
  return new StateUnavailableError(`the key store (PostgreSQL) could not be written: ${messageOf(error)}`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
