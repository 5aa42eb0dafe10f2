import type { Trace } from './api-types.js';
import { append, byId, clear, el, fill } from './dom.js';
import { fmtDuration, fmtTime, fmtUsd, routeName } from './format.js';
import { isFallback } from './is-fallback.js';
import { openTrace } from './navigation.js';
import { STATUSES, state } from './state.js';

function option(value: string, label: string, selected: boolean): HTMLOptionElement {
  const node = el('option', { value }, label);
  if (selected) node.selected = true;
  return node;
}

/** Options as values, or `[value, label]` where the label differs (a key's name for its id). */
type Choice = string | readonly [string, string];

function fillSelect(select: HTMLElement, allLabel: string, values: Choice[], current: string): void {
  const list = values.slice();
  if (current && !list.some((choice) => (typeof choice === 'string' ? choice : choice[0]) === current)) list.push(current);
  // Refilling an unchanged select every refresh would close it under the user's pointer.
  const signature = JSON.stringify([list, current]);
  if (select.getAttribute('data-options') === signature) return;
  select.setAttribute('data-options', signature);
  fill(
    select,
    option('', allLabel, !current),
    list.map((choice) => (typeof choice === 'string' ? option(choice, choice, choice === current) : option(choice[0], choice[1], choice[0] === current))),
  );
}

export function renderFilterOptions(): void {
  const stats = state.stats || { routes: [], models: [] };
  const routers: string[] = [];
  const routes: string[] = [];
  for (const row of stats.routes || []) {
    const slash = row.name.indexOf('/');
    const router = row.name.slice(0, slash);
    const routeOnly = row.name.slice(slash + 1);
    if (router === 'none') continue;
    if (routers.indexOf(router) === -1) routers.push(router);
    if ((!state.filters.router || state.filters.router === router) && routes.indexOf(routeOnly) === -1) routes.push(routeOnly);
  }
  const models = (stats.models || []).map((row) => row.name).filter((name) => name !== 'none');
  fillSelect(byId('filter-router'), 'All routers', routers.sort(), state.filters.router);
  fillSelect(byId('filter-route'), 'All routes', routes.sort(), state.filters.route);
  fillSelect(byId('filter-model'), 'All models', models.sort(), state.filters.model);
  fillSelect(byId('filter-status'), 'Any status', STATUSES, state.filters.status);
  // Only when virtual keys sent traffic the caller may see (an admin: every key's).
  const keys = (stats.groups || []).filter((group) => group.id !== null).map((group) => [group.id ?? '', group.name ?? group.id ?? ''] as const);
  const keySelect = byId('filter-key');
  keySelect.hidden = keys.length === 0 && !state.filters.key;
  fillSelect(keySelect, 'All keys', keys, state.filters.key);
}

function matchesSearch(trace: Trace, needle: string): boolean {
  if (!needle) return true;
  const preview = trace.prompt && trace.prompt.preview ? trace.prompt.preview : '';
  return preview.toLowerCase().indexOf(needle) !== -1 || trace.id.toLowerCase().indexOf(needle) !== -1;
}

export function renderTraces(): void {
  const body = clear(byId('trace-body'));
  const needle = state.filters.search.trim().toLowerCase();
  const shown = state.traces.filter((trace) => matchesSearch(trace, needle));
  for (const trace of shown) {
    const open = (): void => openTrace(trace.id);
    const row = el(
      'tr',
      {
        'data-testid': 'trace-row',
        'data-id': trace.id,
        'data-route': routeName(trace),
        'data-model': trace.model || 'none',
        'data-status': trace.status,
        tabindex: 0,
        title: 'Open trace ' + trace.id,
      },
      el('td', { class: 'num' }, el('time', { datetime: new Date(trace.startedAt).toISOString() }, fmtTime(trace.startedAt))),
      el('td', null, routeName(trace)),
      el('td', null, trace.model || el('span', { class: 'faint' }, 'none'), isFallback(trace) ? el('span', { class: 'tag', title: 'Served by a fallback, not the plan’s first model' }, 'fallback') : null),
      el('td', null, el('span', { class: 'badge ' + trace.status }, trace.status)),
      el('td', { class: 'num' }, fmtDuration(trace.latencyMs)),
      el('td', { class: 'num' }, fmtUsd(trace.costUsd)),
      el('td', { class: 'prompt col-prompt' }, trace.prompt && trace.prompt.preview ? trace.prompt.preview : ''),
    );
    row.addEventListener('click', open);
    row.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') open();
    });
    append(body, row);
  }
  byId('trace-empty').hidden = shown.length > 0;
  fill(byId('trace-empty'), state.traces.length === 0 ? 'No traces match these filters in this window.' : 'No loaded trace matches the search.');
  fill(
    byId('trace-count'),
    needle
      ? shown.length + ' of ' + state.traces.length + ' loaded traces match the search'
      : state.traces.length + ' trace' + (state.traces.length === 1 ? '' : 's') + ' loaded' + (state.nextCursor ? ', more available' : ''),
  );
  byId('load-more').hidden = !state.nextCursor;
}
