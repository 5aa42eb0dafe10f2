import { createHash, randomBytes } from 'node:crypto';

/** Every virtual key starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const KEY_SECRET_PREFIX = 'sk-swy-';

/** A new secret: 192 random bits, base64url. */
export function generateKeySecret(): string {
  return `${KEY_SECRET_PREFIX}${randomBytes(24).toString('base64url')}`;
}

/** What the store keeps of a secret. A fast hash suffices: the secret has 192 random bits, nothing to guess. */
export function hashKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The secret's shown part: the prefix and four characters, 24 bits of 192, useless to an attacker. */
export function displayPrefix(secret: string): string {
  return `${secret.slice(0, KEY_SECRET_PREFIX.length + 4)}…`;
}

/** A new key id: not secret, stable across rotations. */
export function generateKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}
