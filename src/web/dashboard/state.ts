import type { QualityReport, Stats, Trace, UsageReport } from './api-types.js';

export type Filters = { router: string; route: string; model: string; status: string; key: string; search: string };

export const STATUSES = ['ok', 'error', 'blocked', 'aborted', 'shutdown'];

export const emptyFilters = (): Filters => ({ router: '', route: '', model: '', status: '', key: '', search: '' });

/** The page's one mutable state. The sequence numbers drop answers that a newer request overtook. */
export const state = {
  windowMs: 5 * 60 * 1000,
  paused: false,
  needKey: false,
  stats: null as Stats | null,
  /** Null when the gateway has no `/v1/usage` for this caller (older gateway, or a static key). */
  usage: null as UsageReport | null,
  usageUnavailable: false,
  /** `/v1/quality`: null when the gateway has none (older gateway). */
  quality: null as QualityReport | null,
  qualityUnavailable: false,
  range: null as { since: number; until: number; bucketMs: number } | null,
  traces: [] as Trace[],
  nextCursor: null as string | null,
  filters: emptyFilters(),
  statsSeq: 0,
  tracesSeq: 0,
  detailSeq: 0,
  clockOffset: 0,
  view: 'overview' as 'overview' | 'detail',
  overviewScroll: 0,
  cameFromOverview: false,
};
