/**
 * Compiles a `regex:` entry of a route: either a bare pattern (`\bdef\b`, case-sensitive) or a
 * `/pattern/flags` literal (`/stack ?trace/i`). Throws a SyntaxError with a readable message.
 */
export function compilePattern(source: string): RegExp {
  const literal = /^\/(.+)\/([a-z]*)$/s.exec(source);
  const pattern = literal ? (literal[1] ?? '') : source;
  const flags = literal ? (literal[2] ?? '') : '';
  if (/[gy]/.test(flags)) {
    // A global or sticky regex keeps `lastIndex` between calls, so the same text would match on one request and not the next.
    throw new SyntaxError(`flags "g" and "y" are not allowed in routing patterns (found /${flags}/)`);
  }
  try {
    return new RegExp(pattern, flags);
  } catch (error) {
    if (literal && !/^[dimsuv]*$/.test(flags)) {
      throw new SyntaxError(`"${source}" reads as /pattern/flags with flags "${flags}"; escape the slashes (\\/) for a pattern that starts with /`);
    }
    throw error;
  }
}

/**
 * One case-insensitive regex for a list of keywords and phrases, matched as whole words: a keyword
 * may not be glued to a letter, digit or underscore on either side. Whitespace inside a phrase
 * matches any run of whitespace, so "stack trace" also matches "stack\n  trace".
 */
export function compileKeywords(keywords: readonly string[]): RegExp {
  const alternatives = keywords
    // A blank keyword would be an empty alternative, which matches almost any text.
    .filter((keyword) => keyword.trim() !== '')
    // Longest first, so the reported match is the most specific phrase.
    .sort((a, b) => b.length - a.length)
    .map((keyword) => keyword.trim().split(/\s+/).map(escapeRegExp).join('\\s+'));
  if (alternatives.length === 0) return /(?!)/;
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}_])`, 'iu');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
