import { UsageError } from './cli-io.js';

/** A numeric option: its default when absent, a usage error naming the option when not a number in range. */
export function parseNumberOption(
  name: string,
  raw: string | undefined,
  fallback: number,
  limits: { integer?: boolean; min?: number; max?: number } = {},
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const kind = limits.integer ? 'an integer' : 'a number';
  const range =
    limits.min !== undefined && limits.max !== undefined ? ` from ${limits.min} to ${limits.max}` : limits.min !== undefined ? ` >= ${limits.min}` : limits.max !== undefined ? ` <= ${limits.max}` : '';
  const ok =
    raw.trim() !== '' && Number.isFinite(value) && (!limits.integer || Number.isInteger(value)) && (limits.min === undefined || value >= limits.min) && (limits.max === undefined || value <= limits.max);
  if (!ok) throw new UsageError(`${name} expects ${kind}${range}, got "${raw}"`);
  return value;
}
