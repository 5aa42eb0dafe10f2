/** An ISO 8601 time or epoch milliseconds, as epoch milliseconds; undefined when it is neither. */
export function parseTimestamp(text: string): number | undefined {
  const time = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(time) ? time : undefined;
}
