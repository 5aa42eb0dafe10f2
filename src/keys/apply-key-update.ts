import { displayPrefix, generateKeyId } from './key-secret.js';
import type { VirtualKey, VirtualKeyInput, VirtualKeyUpdate } from './virtual-key.js';

/** The record of a new key for `secret` (of which it keeps only the display prefix). */
export function newKey(input: VirtualKeyInput, secret: string, now: number): VirtualKey {
  return {
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
}

/** `current` with the fields `update` names changed (`null` clears one), the rest kept. */
export function applyKeyUpdate(current: VirtualKey, update: VirtualKeyUpdate, now: number): VirtualKey {
  const pick = <T>(value: T | null | undefined, kept: T | undefined): T | undefined => (value === null ? undefined : value === undefined ? kept : value);
  const limits = update.limits ?? {};
  return {
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
}
