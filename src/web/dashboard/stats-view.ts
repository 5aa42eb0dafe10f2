import type { ShareRow } from './api-types.js';
import { drawCharts } from './charts.js';
import { append, byId, clear, el, fill, svg } from './dom.js';
import { renderKeys } from './keys-view.js';
import { fmtDuration, fmtInt, fmtMs, fmtPct, fmtUsd, savingsRatio } from './format.js';
import { reloadTraces } from './overview.js';
import { STATUSES, state } from './state.js';
import { renderFilterOptions } from './trace-list.js';

export const PALETTE = ['#2f6fde', '#16a394', '#d9822b', '#8f5bd6', '#d6478f', '#5a9e2f', '#c9a227', '#3b9bd9', '#b5523b', '#6b7a8f'];

export const paletteColor = (index: number): string => PALETTE[index % PALETTE.length] ?? '';

function setStat(id: string, text: string): void {
  fill(byId(id), text);
}

export function renderStats(): void {
  const stats = state.stats;
  if (!stats) return;
  const statuses = stats.statuses || {};
  setStat('stat-requests', fmtInt(stats.requests));
  setStat(
    'sub-requests',
    STATUSES.filter((name) => statuses[name])
      .map((name) => statuses[name] + ' ' + (name === 'error' ? 'failed' : name))
      .join(' · ') || 'no traffic yet',
  );
  setStat('stat-errors', fmtPct(stats.errorRate));
  byId('card-errors').className = 'card' + ((stats.errorRate ?? 0) > 0 ? ' bad' : '');
  setStat('sub-errors', (statuses['error'] || 0) + ' failed · ' + (statuses['blocked'] || 0) + ' blocked');
  setStat('stat-fallbacks', fmtPct(stats.fallbackRate));
  setStat('stat-retries', fmtPct(stats.retryRate));
  const latency = stats.latencyMs || {};
  setStat('stat-p50', fmtMs(latency.p50));
  setStat('stat-p90', fmtMs(latency.p90));
  setStat('stat-p99', fmtMs(latency.p99));
  setStat('stat-ttft', stats.firstTokenMs ? fmtDuration(stats.firstTokenMs.p50) : '—');
  setStat('stat-cost', fmtUsd(stats.costUsd));
  setStat('sub-cost', stats.unknownCost ? stats.unknownCost + ' without a known cost (failed or unpriced)' : 'every request priced');
  setStat('stat-reference', fmtUsd(stats.referenceCostUsd));
  setStat('stat-savings', fmtUsd(stats.savingsUsd));
  setStat('stat-savings-pct', fmtPct(savingsRatio(stats.savingsUsd, stats.referenceCostUsd)));
  const savings = stats.savingsUsd ?? 0;
  byId('card-savings').className = 'card' + (savings > 0 ? ' good' : savings < 0 ? ' bad' : '');
  renderShares(byId('routes'), stats.routes || [], 'route-row', false);
  renderShares(byId('models'), stats.models || [], 'model-row', true);
  fill(byId('routes-total'), (stats.routes || []).length + ' routes');
  fill(byId('models-total'), (stats.models || []).length + ' models');
  renderFilterOptions();
  renderKeys();
  drawCharts();
}

function renderShares(container: HTMLElement, rows: ShareRow[], testId: string, withCost: boolean): void {
  clear(container);
  if (rows.length === 0) {
    append(container, el('div', { class: 'empty-note' }, 'No requests in this window.'));
    return;
  }
  const max = rows.reduce((top, row) => Math.max(top, row.requests), 0) || 1;
  rows.forEach((row, index) => {
    const width = Math.max(0.5, (row.requests / max) * 100);
    const bar = svg(
      'svg',
      { class: 'share-bar', 'aria-hidden': 'true', preserveAspectRatio: 'none' },
      svg('rect', { class: 'track', x: 0, y: 0, width: '100%', height: '100%', rx: 3 }),
      svg('rect', { x: 0, y: 0, width: width + '%', height: '100%', rx: 3, fill: paletteColor(index) }),
    );
    const figures = el('span', { class: 'share-figures' }, el('b', null, String(row.requests)), fmtPct(row.share), withCost ? ' · ' + fmtUsd(row.costUsd) : null);
    const item = el(
      'div',
      {
        class: 'share-row',
        role: 'button',
        tabindex: 0,
        'data-testid': testId,
        'data-name': row.name,
        'data-requests': row.requests,
        'data-share': row.share,
        title: withCost ? 'Show traces served by ' + row.name : 'Show traces of ' + row.name,
      },
      el('span', { class: 'share-name', title: row.name === 'none' ? 'No model served: failed or blocked requests' : row.name === 'none/none' ? 'A concrete model was requested: no router' : row.name }, row.name),
      bar,
      figures,
    );
    const pick = (): void => filterFromShare(row.name, withCost);
    item.addEventListener('click', pick);
    item.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        pick();
      }
    });
    append(container, item);
  });
}

function filterFromShare(name: string, isModel: boolean): void {
  if (name === 'none' || name === 'none/none') return;
  if (isModel) {
    state.filters.model = name;
  } else {
    const slash = name.indexOf('/');
    state.filters.router = name.slice(0, slash) === 'none' ? '' : name.slice(0, slash);
    state.filters.route = name.slice(slash + 1) === 'none' ? '' : name.slice(slash + 1);
  }
  renderFilterOptions();
  void reloadTraces();
  byId('traces').scrollIntoView({ behavior: 'smooth', block: 'start' });
}
