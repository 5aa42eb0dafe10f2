import { keyState, type KeyState, type VirtualKey } from './virtual-key.js';

/** A key as the CLI's `--json` and the admin API show it: snake_case, ISO times, `null` for unset; never the secret. */
export type KeyView = {
  id: string;
  name: string;
  team: string | null;
  prefix: string;
  state: KeyState;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  routers: string[] | null;
  models: string[] | null;
  metadata: Record<string, string>;
  limits: { budget: { usd: number; period: string } | null; rpm: number | null; tpm: number | null; max_concurrent: number | null };
  /** Whether it may only use routers with a safety guard (its own policy; its team's is in the config). */
  require_guard: boolean;
};

const iso = (time: number | undefined): string | null => (time === undefined ? null : new Date(time).toISOString());

export function keyView(key: VirtualKey, now = Date.now()): KeyView {
  return {
    id: key.id,
    name: key.name,
    team: key.team ?? null,
    prefix: key.prefix,
    state: keyState(key, now),
    created_at: new Date(key.createdAt).toISOString(),
    updated_at: new Date(key.updatedAt).toISOString(),
    expires_at: iso(key.expiresAt),
    revoked_at: iso(key.revokedAt),
    routers: key.routers ?? null,
    models: key.models ?? null,
    metadata: key.metadata,
    limits: { budget: key.limits.budget ?? null, rpm: key.limits.rpm ?? null, tpm: key.limits.tpm ?? null, max_concurrent: key.limits.maxConcurrent ?? null },
    require_guard: key.requireGuard === true,
  };
}
