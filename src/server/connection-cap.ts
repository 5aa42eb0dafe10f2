import { readFileSync } from 'node:fs';

/** Descriptors kept for what is not a client connection: the trace store, log files, workers, DNS. */
const RESERVED_DESCRIPTORS = 64;
/** Used where the open-file limit cannot be read (no /proc): the value for the common `ulimit -n 1024`. */
const FALLBACK_CAP = 480;
/** Past this, memory (tens of KB a connection) matters more than descriptors. */
const MAX_DEFAULT_CAP = 16_384;

/**
 * The default `server.max_connections`: half of the descriptors left after the reserved ones,
 * because a client connection in flight holds one upstream connection too (more with parallel
 * policies, but the upstream pools are capped by `max_connections` of each provider).
 */
export function defaultConnectionCap(): number {
  return connectionCapFor(readLimits());
}

/** The cap for the text of /proc/self/limits (undefined: not readable). */
export function connectionCapFor(limits: string | undefined): number {
  const soft = openFileLimit(limits);
  if (soft === undefined) return FALLBACK_CAP;
  return Math.max(16, Math.min(MAX_DEFAULT_CAP, Math.floor((soft - RESERVED_DESCRIPTORS) / 2)));
}

function readLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}

/** The soft limit of "Max open files" in /proc/self/limits; undefined when unknown or unlimited. */
export function openFileLimit(limits: string | undefined): number | undefined {
  const match = limits === undefined ? null : /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  return match?.[1] === undefined || match[1] === 'unlimited' ? undefined : Number(match[1]);
}
