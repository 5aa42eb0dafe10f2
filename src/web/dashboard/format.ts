/** How the page writes numbers and times. The test ids hold plain numbers. */

export function isNum(value: unknown): value is number {
  return typeof value === 'number' && isFinite(value);
}
export function fmtInt(value: number | undefined): string {
  return isNum(value) ? String(Math.round(value)) : '—';
}
export function fmtUsd(value: number | undefined): string {
  if (!isNum(value)) return '—';
  return (value < 0 ? '-$' : '$') + Math.abs(value).toFixed(6);
}
export function fmtPct(ratio: number | undefined): string {
  return isNum(ratio) ? (ratio * 100).toFixed(1) + '%' : '—';
}
export function fmtMs(value: number | undefined): string {
  if (!isNum(value)) return '—';
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}
export function fmtDuration(value: number | undefined): string {
  return isNum(value) ? fmtMs(value) + ' ms' : '—';
}
export function fmtScore(value: number | undefined, digits?: number): string {
  return isNum(value) ? value.toFixed(digits === undefined ? 3 : digits) : '—';
}
function pad(value: number): string {
  return value < 10 ? '0' + value : String(value);
}
export function fmtClock(ms: number, seconds: boolean): string {
  const date = new Date(ms);
  const text = pad(date.getHours()) + ':' + pad(date.getMinutes());
  return seconds ? text + ':' + pad(date.getSeconds()) : text;
}
/** A missing time shows as an invalid date, as it always has. */
export function fmtTime(ms: number | undefined): string {
  const date = new Date(ms ?? NaN);
  const now = new Date();
  const clock = fmtClock(ms ?? NaN, true);
  if (date.toDateString() === now.toDateString()) return clock;
  return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) + ' ' + clock;
}
export function fmtAxisUsd(value: number): string {
  if (value === 0) return '$0';
  const decimals = Math.min(8, Math.max(2, Math.ceil(-Math.log10(Math.abs(value))) + 1));
  return '$' + value.toFixed(decimals);
}
export function routeName(trace: { router?: string | null | undefined; route?: string | null | undefined }): string {
  return (trace.router || 'none') + '/' + (trace.route || 'none');
}
export function savingsRatio(savings: number | undefined, reference: number | undefined): number | undefined {
  return isNum(savings) && isNum(reference) && reference > 0 ? savings / reference : undefined;
}
