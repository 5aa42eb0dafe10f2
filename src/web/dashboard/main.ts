/**
 * The dashboard's script (bundled into one inline script of the page by scripts/build-dashboard.mjs).
 * The page holds no data: this reads `/v1/stats` and `/v1/traces` with the API key the operator
 * types in when the gateway asks for one (kept in sessionStorage only).
 */
import { storedKey } from './api.js';
import { byId, fill } from './dom.js';
import { forgetKey, submitKey } from './key-flow.js';
import { closeTrace, route } from './navigation.js';
import { loadMore, refresh, reloadTraces } from './overview.js';
import { emptyFilters, state, type Filters } from './state.js';
import { drawCharts } from './charts.js';
import { renderFilterOptions, renderTraces } from './trace-list.js';

const REFRESH_MS = 5000;

function setPaused(paused: boolean): void {
  state.paused = paused;
  const button = byId('refresh-toggle');
  fill(button, paused ? 'Resume' : 'Pause');
  button.setAttribute('aria-pressed', paused ? 'true' : 'false');
  byId('live').className = 'live' + (paused ? ' paused' : '');
  fill(byId('live-label'), paused ? 'Paused' : 'Live · every 5 s');
  if (!paused) void refresh();
}

const valueOf = (event: Event): string => (event.target as HTMLInputElement | HTMLSelectElement).value;

function init(): void {
  byId('window').addEventListener('change', (event) => {
    state.windowMs = Number(valueOf(event));
    state.traces = [];
    void refresh();
  });
  byId('refresh-toggle').addEventListener('click', () => setPaused(!state.paused));
  byId('refresh-now').addEventListener('click', () => void refresh());
  byId('forget-key').addEventListener('click', forgetKey);
  byId('key-form').addEventListener('submit', submitKey);
  for (const name of ['router', 'route', 'model', 'status', 'key'] as const satisfies readonly (keyof Filters)[]) {
    byId('filter-' + name).addEventListener('change', (event) => {
      state.filters[name] = valueOf(event);
      if (name === 'router') state.filters.route = '';
      renderFilterOptions();
      void reloadTraces();
    });
  }
  byId('filter-search').addEventListener('input', (event) => {
    state.filters.search = valueOf(event);
    renderTraces();
  });
  byId('filter-clear').addEventListener('click', () => {
    state.filters = emptyFilters();
    byId<HTMLInputElement>('filter-search').value = '';
    renderFilterOptions();
    void reloadTraces();
  });
  byId('load-more').addEventListener('click', () => void loadMore());
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && state.view === 'detail') closeTrace();
  });
  let redraw: ReturnType<typeof setTimeout> | undefined;
  window.addEventListener('resize', () => {
    clearTimeout(redraw);
    redraw = setTimeout(drawCharts, 120);
  });
  setInterval(() => {
    if (!state.paused && !document.hidden) void refresh();
  }, REFRESH_MS);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && !state.paused) void refresh();
  });
  if (storedKey()) byId('forget-key').hidden = false;
  renderFilterOptions();
  route();
}

init();
