/** Characters of a client's value an error message repeats: enough to recognise it, never the whole of a huge one. */
export const QUOTED_CHARS = 100;

/**
 * Quotes a value the client sent, for an error message: JSON-quoted (control characters escaped),
 * and past `max` characters cut, with the full length. The cut is a copy, not a slice, so a
 * message that is kept (in a trace, a log line) does not hold the client's whole string alive.
 */
export function quoteInput(value: string, max = QUOTED_CHARS): string {
  if (value.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, max))}... (${value.length} characters)`;
}

/** A value the client sent, for a log field (the log escapes it): past `max` characters cut, with the full length. */
export function clipInput(value: string, max = QUOTED_CHARS): string {
  return value.length <= max ? value : `${value.slice(0, max)}... (${value.length} characters)`;
}
