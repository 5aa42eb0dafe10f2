/**
 * The delay an upstream asked for, in milliseconds: `retry-after-ms` (OpenAI), else `retry-after`
 * as seconds or an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Readonly<Record<string, string | string[] | undefined>>, now = Date.now()): number | undefined {
  const milliseconds = first(headers['retry-after-ms']);
  if (milliseconds !== undefined) {
    const value = Number(milliseconds.trim());
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = first(headers['retry-after']);
  if (retryAfter === undefined) return undefined;
  const trimmed = retryAfter.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number.parseFloat(trimmed) * 1000;
  // V8's Date.parse accepts almost anything ("-1" is a date in 2001); an HTTP date names its month.
  if (!HTTP_DATE_MONTH.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const HTTP_DATE_MONTH = /\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b/i;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
