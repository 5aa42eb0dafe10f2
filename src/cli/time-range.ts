import { parseTimestamp } from '../util/parse-timestamp.js';
import { UsageError } from './cli-io.js';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--since` / `--until`: a duration back from now (`30m`, `24h`, `7d`), an ISO 8601 time, or
 * epoch milliseconds. Undefined when absent.
 */
export function parseTimeOption(name: string, value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const relative = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value.trim());
  if (relative) return now - Number(relative[1]) * (UNITS[relative[2] as string] as number);
  const time = parseTimestamp(value);
  if (time === undefined) throw new UsageError(`${name} expects a duration such as 24h or 7d, an ISO time, or epoch milliseconds; got "${value}"`);
  return time;
}
