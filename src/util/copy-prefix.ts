/**
 * The first `length` characters of `text`, as a string of their own. `slice` shares the original's
 * memory in V8, so a short preview kept in a trace would keep a 30 MB prompt alive with it.
 */
export function copyPrefix(text: string, length: number): string {
  if (text.length <= length) return text;
  return Buffer.from(text.slice(0, length), 'utf16le').toString('utf16le');
}
