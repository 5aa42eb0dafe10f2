import type { QualityReport, Stats, TracePage, UsageReport } from './api-types.js';
import { api, ApiError, bucketFor, query, serverNow, tracesPath } from './api.js';
import { byId, fill } from './dom.js';
import { fmtClock } from './format.js';
import { handleError, hideBanner } from './key-flow.js';
import { state } from './state.js';
import { renderQuality } from './quality-view.js';
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
    const [stats, page, usage, quality] = await Promise.all([
      api<Stats>('v1/stats' + query({ since: range.since, bucket_ms: range.bucketMs, by: 'key' })),
      api<TracePage>(tracesPath(limit)),
      loadUsage(),
      loadQuality(),
    ]);
    if (statsSeq === state.statsSeq) {
      state.stats = stats;
      state.usage = usage;
      state.quality = quality;
      renderStats();
      renderQuality();
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

/** `/v1/usage`, or null when this caller has none (403: a static key) or the gateway has no such endpoint (404); then not asked again. */
async function loadUsage(): Promise<UsageReport | null> {
  if (state.usageUnavailable) return null;
  try {
    return await api<UsageReport>('v1/usage');
  } catch (error) {
    if (!(error instanceof ApiError) || (error.status !== 403 && error.status !== 404)) throw error;
    state.usageUnavailable = true;
    return null;
  }
}

/** `/v1/quality`, or null when the gateway has no such endpoint (404); then not asked again. */
async function loadQuality(): Promise<QualityReport | null> {
  if (state.qualityUnavailable) return null;
  try {
    return await api<QualityReport>('v1/quality');
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    state.qualityUnavailable = true;
    return null;
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
