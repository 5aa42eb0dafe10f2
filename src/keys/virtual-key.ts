/** How often a budget starts again. */
export const BUDGET_PERIODS = ['day', 'week', 'month'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/**
 * A key's limits. Stored and shown now; budgets and rate limits enforce them later, so a key
 * created today keeps its limits when they start to apply. Unset is `undefined`: no limit.
 */
export type KeyLimits = {
  budget?: { usd: number; period: BudgetPeriod } | undefined;
  rpm?: number | undefined;
  tpm?: number | undefined;
  maxConcurrent?: number | undefined;
};

/** A team's limits (config `teams:`), and whether each of its keys must go through a router with a safety guard. */
export type TeamLimits = KeyLimits & { requireGuard?: boolean | undefined };

/** A virtual key's record: everything but its secret, of which only the hash is stored. */
export type VirtualKey = {
  /** `key_…`: stable across rotations; what traces and logs name. */
  id: string;
  name: string;
  team: string | undefined;
  /** The secret's first characters (`sk-swy-AbCd…`), enough to tell keys apart, not to use one. */
  prefix: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | undefined;
  revokedAt: number | undefined;
  /** The routers this key may use; `undefined` is any. */
  routers: string[] | undefined;
  /** The concrete models this key may ask for; `undefined` is any. */
  models: string[] | undefined;
  metadata: Record<string, string>;
  limits: KeyLimits;
  /** `true`: it may only use routers with a safety `guard` (`check-key-access.ts`); unset is false. */
  requireGuard?: boolean | undefined;
};

/** What `create` and `update` take: the record's editable fields. */
export type VirtualKeyInput = {
  name: string;
  team?: string | undefined;
  expiresAt?: number | undefined;
  routers?: string[] | undefined;
  models?: string[] | undefined;
  metadata?: Record<string, string> | undefined;
  limits?: KeyLimits | undefined;
  requireGuard?: boolean | undefined;
};

/** A field of an update set to `null` is cleared; absent, it is kept. */
export type VirtualKeyUpdate = {
  [field in keyof VirtualKeyInput]?: field extends 'name' ? string | undefined : field extends 'limits' ? { [limit in keyof KeyLimits]?: KeyLimits[limit] | null } | undefined : VirtualKeyInput[field] | null;
};

export type KeyState = 'active' | 'revoked' | 'expired';

/** Whether a key may be used at `now`. */
export function keyState(key: VirtualKey, now: number): KeyState {
  if (key.revokedAt !== undefined) return 'revoked';
  if (key.expiresAt !== undefined && key.expiresAt <= now) return 'expired';
  return 'active';
}
