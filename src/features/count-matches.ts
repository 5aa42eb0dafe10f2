/** Only this much of a prompt is scanned by the text features; a longer one is long enough to count as long. */
export const SCAN_LIMIT = 16_384;

/** Matches of a global regex in a text, counted without building an array. */
export function countMatches(pattern: RegExp, text: string): number {
  pattern.lastIndex = 0;
  let found = 0;
  while (pattern.exec(text) !== null) found++;
  return found;
}
