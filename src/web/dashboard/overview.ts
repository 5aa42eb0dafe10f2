import type { Stats, TracePage } from './api-types.js';
import { api, bucketFor, query, serverNow, tracesPath } from './api.js';
import { byId, fill } from './dom.js';
import { fmtClock } from './format.js';
import { handleError, hideBanner } from './key-flow.js';
import { state } from './state.js';
import { renderStats } from './stats-view.js';
import { renderTraces } from './trace-list.js';

const PAGE_SIZE = 50;
const MAX_PAGE = 500;

/** Reads the stats and the first page of traces of the window again, keeping as many traces as are loaded. */
export async function refresh(): Promise<void> {
  if (state.needKey || state.view !== 'overview') return;
  const now = serverNow();
  const range = { since: now - state.windowMs, until: now, bucketMs: bucketFor(state.windowMs) };
  state.range = range;
  const statsSeq = ++state.statsSeq;
  const tracesSeq = ++state.tracesSeq;
  const limit = Math.min(MAX_PAGE, Math.max(PAGE_SIZE, state.traces.length));
  try {
    const [stats, page] = await Promise.all([api<Stats>('v1/stats' + query({ since: range.since, bucket_ms: range.bucketMs })), api<TracePage>(tracesPath(limit))]);
    if (statsSeq === state.statsSeq) {
      state.stats = stats;
      renderStats();
    }
    if (tracesSeq === state.tracesSeq) {
      state.traces = page.data || [];
      state.nextCursor = page.next_cursor || null;
      renderTraces();
    }
    fill(byId('last-refresh'), fmtClock(Date.now(), true));
    byId('last-refresh').setAttribute('datetime', new Date().toISOString());
    hideBanner();
  } catch (error) {
    handleError(error);
  }
}

export async function reloadTraces(): Promise<void> {
  if (state.needKey) return;
  const seq = ++state.tracesSeq;
  const list = byId('trace-body');
  list.setAttribute('aria-busy', 'true');
  try {
    const page = await api<TracePage>(tracesPath(PAGE_SIZE));
    if (seq !== state.tracesSeq) return;
    state.traces = page.data || [];
    state.nextCursor = page.next_cursor || null;
    renderTraces();
    hideBanner();
  } catch (error) {
    handleError(error);
  } finally {
    list.removeAttribute('aria-busy');
  }
}

export async function loadMore(): Promise<void> {
  if (!state.nextCursor) return;
  const seq = ++state.tracesSeq;
  const button = byId<HTMLButtonElement>('load-more');
  button.disabled = true;
  try {
    const page = await api<TracePage>(tracesPath(PAGE_SIZE, state.nextCursor));
    if (seq !== state.tracesSeq) return;
    const seen = new Set(state.traces.map((trace) => trace.id));
    for (const trace of page.data || []) if (!seen.has(trace.id)) state.traces.push(trace);
    state.nextCursor = page.next_cursor || null;
    renderTraces();
  } catch (error) {
    handleError(error);
  } finally {
    button.disabled = false;
  }
}
