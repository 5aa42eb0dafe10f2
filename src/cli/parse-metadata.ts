import { UsageError } from './cli-io.js';

/** `--metadata KEY=VALUE` options (repeatable) as one record; the value may itself hold `=`. */
export function parseMetadata(pairs: string[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`--metadata expects KEY=VALUE, got "${pair}"`);
    metadata[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return metadata;
}
