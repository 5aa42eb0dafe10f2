import { state } from './state.js';

export const KEY_STORAGE = 'switchyard.apiKey';

/** The gateway answered 401: the page asks for a key. */
export class NeedKeyError extends Error {}

/** Any other failed API call, with the API's error code when it sent one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export function storedKey(): string {
  try {
    return sessionStorage.getItem(KEY_STORAGE) || '';
  } catch {
    return '';
  }
}

function noteClock(response: Response): void {
  // The window is "the last N minutes" of the gateway's clock, which may differ from this browser's.
  const date = Date.parse(response.headers.get('date') || '');
  if (!isFinite(date)) return;
  const offset = date - Date.now();
  state.clockOffset = Math.abs(offset) > 2000 ? offset : 0;
}

export function serverNow(): number {
  return Date.now() + state.clockOffset;
}

type ErrorBody = { error?: { message?: string; code?: string } | null };

export async function api<T>(path: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = storedKey();
  if (key) headers['authorization'] = 'Bearer ' + key;
  let response: Response;
  try {
    response = await fetch(path, { headers, cache: 'no-store', credentials: 'same-origin' });
  } catch (error) {
    throw new Error('Cannot reach the gateway (' + (error instanceof Error && error.message ? error.message : 'network error') + ').');
  }
  noteClock(response);
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const apiError = body && (body as ErrorBody).error ? (body as ErrorBody).error : null;
  if (response.status === 401) throw new NeedKeyError(apiError && apiError.message ? apiError.message : 'This gateway needs an API key.');
  if (!response.ok) throw new ApiError(apiError && apiError.message ? apiError.message : 'HTTP ' + response.status, response.status, apiError ? apiError.code : undefined);
  return body as T;
}

export function query(params: Record<string, string | number | null | undefined>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    parts.push(encodeURIComponent(name) + '=' + encodeURIComponent(String(value)));
  }
  return parts.length ? '?' + parts.join('&') : '';
}

/** About 60 buckets per window, whole seconds. */
export function bucketFor(windowMs: number): number {
  return Math.max(1000, Math.round(windowMs / 60 / 1000) * 1000);
}

export function tracesPath(limit: number, cursor?: string): string {
  return (
    'v1/traces' +
    query({
      since: state.range ? state.range.since : undefined,
      router: state.filters.router,
      route: state.filters.route,
      model: state.filters.model,
      status: state.filters.status,
      key: state.filters.key,
      limit,
      cursor,
    })
  );
}
