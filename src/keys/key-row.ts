import type { BudgetPeriod, KeyLimits, VirtualKey } from './virtual-key.js';

/**
 * A `virtual_keys` row (migrations 3 and 6 of `telemetry/trace-store-schema.ts`) without its hash.
 * Numbers are read with `Number`: PostgreSQL's driver returns BIGINT columns as strings.
 */
export type KeyRow = {
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

/** The row's columns, in `keyToRow`'s order. */
export const KEY_COLUMNS = [
  'id',
  'secret_prefix',
  'name',
  'team',
  'created_at',
  'updated_at',
  'expires_at',
  'revoked_at',
  'routers_json',
  'models_json',
  'metadata_json',
  'budget_usd',
  'budget_period',
  'rpm',
  'tpm',
  'max_concurrent',
  'require_guard',
] as const satisfies readonly (keyof KeyRow)[];

/** The row's values in `KEY_COLUMNS` order. */
export function rowValues(row: KeyRow): unknown[] {
  return KEY_COLUMNS.map((column) => row[column]);
}

export function keyToRow(key: VirtualKey): KeyRow {
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

export function keyFromRow(row: KeyRow): VirtualKey {
  const number = (value: number | string | null): number | undefined => (value === null ? undefined : Number(value));
  const limits: KeyLimits = {};
  if (row.budget_usd !== null && row.budget_period !== null) limits.budget = { usd: Number(row.budget_usd), period: row.budget_period as BudgetPeriod };
  if (row.rpm !== null) limits.rpm = Number(row.rpm);
  if (row.tpm !== null) limits.tpm = Number(row.tpm);
  if (row.max_concurrent !== null) limits.maxConcurrent = Number(row.max_concurrent);
  return {
    id: row.id,
    name: row.name,
    team: row.team ?? undefined,
    prefix: row.secret_prefix,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    expiresAt: number(row.expires_at),
    revokedAt: number(row.revoked_at),
    routers: row.routers_json === null ? undefined : (JSON.parse(row.routers_json) as string[]),
    models: row.models_json === null ? undefined : (JSON.parse(row.models_json) as string[]),
    metadata: JSON.parse(row.metadata_json) as Record<string, string>,
    limits,
    requireGuard: Number(row.require_guard) === 1,
  };
}
