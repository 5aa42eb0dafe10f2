import type { BudgetUsage, KeyGroup, ScopeUsage } from './api-types.js';
import { append, byId, clear, el, fill, svg } from './dom.js';
import { fmtInt, fmtPct, fmtTime, fmtUsd, isNum } from './format.js';
import { reloadTraces } from './overview.js';
import { state } from './state.js';
import { renderFilterOptions } from './trace-list.js';

/**
 * The Keys panel: spend per key and per team against its budget, the requests each had refused,
 * and the keys that cost and saved the most. Figures of the window come from `/v1/stats?by=key`,
 * budgets and refusals from `/v1/usage`; a key sees only itself (the API scopes both), the admin
 * key every key. Without `/v1/usage` (403 or 404) the panel shows what the stats have.
 */

const TOP = 5;

type KeyRow = { id: string | null; name: string; team: string; group: KeyGroup | undefined; usage: ScopeUsage | undefined };

export function renderKeys(): void {
  const panel = byId('keys-panel');
  const groups = state.stats?.groups ?? [];
  const usageKeys = state.usage?.keys ?? [];
  const rows = keyRows(groups, usageKeys);
  if (!rows.some((row) => row.id !== null)) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  fill(byId('keys-note'), state.usage ? rows.filter((row) => row.id !== null).length + ' keys · budgets for the current period' : 'budgets and limits unavailable to this key: figures of the window only');
  renderKeyTable(rows);
  renderTeams(rows);
  renderTop(byId('top-cost'), rows, 'top-cost-row', (group) => group.costUsd);
  renderTop(byId('top-savings'), rows, 'top-savings-row', (group) => group.savingsUsd);
}

/** Keys in the order of their cost in the window (the stats' order), then the keys with no traffic in it. */
function keyRows(groups: readonly KeyGroup[], usageKeys: readonly ScopeUsage[]): KeyRow[] {
  const usageById = new Map(usageKeys.map((usage) => [usage.id, usage] as const));
  const rows: KeyRow[] = groups.map((group) => {
    const usage = group.id === null ? undefined : usageById.get(group.id);
    return { id: group.id, name: usage?.name ?? group.name ?? group.id ?? 'without a key', team: usage?.team ?? group.team ?? '', group, usage };
  });
  const seen = new Set(groups.map((group) => group.id));
  for (const usage of usageKeys) if (!seen.has(usage.id)) rows.push({ id: usage.id, name: usage.name ?? usage.id, team: usage.team ?? '', group: undefined, usage });
  return rows;
}

function renderKeyTable(rows: readonly KeyRow[]): void {
  const body = clear(byId('key-body'));
  for (const row of rows) {
    append(
      body,
      el(
        'tr',
        {
          'data-testid': 'key-row',
          'data-id': row.id ?? '',
          'data-requests': row.group?.requests ?? 0,
          'data-cost': row.group?.costUsd ?? 0,
          class: row.id === null ? null : 'clickable-row',
          title: row.id === null ? null : 'Show the traces of ' + row.name,
          onclick: row.id === null ? null : () => showKeyTraces(row.id ?? ''),
        },
        el(
          'td',
          null,
          el('span', { class: 'key-name' }, row.name),
          row.id === null ? null : el('span', { class: 'mono faint key-id' }, row.id),
          row.usage ? el('div', { class: 'faint key-limits', 'data-testid': 'key-limits' }, limitsText(row.usage)) : null,
        ),
        el('td', null, row.team || '—'),
        el('td', { class: 'num', 'data-testid': 'key-requests' }, fmtInt(row.group?.requests ?? 0)),
        el('td', { class: 'num', 'data-testid': 'key-cost' }, fmtUsd(row.group?.costUsd ?? 0)),
        el('td', { class: 'num', 'data-testid': 'key-savings' }, fmtUsd(row.group?.savingsUsd ?? 0)),
        el('td', { class: 'budget-cell' }, row.id === null ? '—' : budgetBar(row.usage?.budget, 'key-budget')),
        el('td', { class: 'num' }, row.id === null ? '—' : refusals(row.usage)),
      ),
    );
  }
}

/** Narrows the trace list to one key's traces (the API's `?key=`). */
function showKeyTraces(id: string): void {
  state.filters.key = id;
  renderFilterOptions();
  void reloadTraces();
  byId('traces').scrollIntoView({ block: 'start' });
}

/** A team's budget from `/v1/usage`, its keys' cost in the window summed from the key rows. */
function renderTeams(rows: readonly KeyRow[]): void {
  const cost = new Map<string, number>();
  for (const row of rows) if (row.team && row.id !== null) cost.set(row.team, (cost.get(row.team) ?? 0) + (row.group?.costUsd ?? 0));
  const usageTeams = state.usage?.teams ?? [];
  const names = [...new Set([...usageTeams.map((team) => team.id), ...cost.keys()])];
  const container = clear(byId('team-budgets'));
  byId('teams-block').hidden = names.length === 0;
  for (const name of names) {
    const usage = usageTeams.find((team) => team.id === name);
    append(
      container,
      el(
        'div',
        { class: 'team-row', 'data-testid': 'team-row', 'data-id': name },
        el('span', { class: 'share-name' }, name),
        budgetBar(usage?.budget, 'team-budget'),
        el('span', { class: 'share-figures' }, fmtUsd(cost.get(name) ?? 0) + ' in window', usage ? ' · ' : null, usage ? refusals(usage) : null),
      ),
    );
  }
}

function renderTop(container: HTMLElement, rows: readonly KeyRow[], testId: string, figure: (group: KeyGroup) => number | undefined): void {
  clear(container);
  const ranked = rows
    .filter((row): row is KeyRow & { id: string; group: KeyGroup } => row.id !== null && row.group !== undefined && isNum(figure(row.group)))
    .sort((a, b) => (figure(b.group) ?? 0) - (figure(a.group) ?? 0))
    .slice(0, TOP);
  if (ranked.length === 0) {
    append(container, el('li', { class: 'empty-note' }, 'No key traffic in this window.'));
    return;
  }
  for (const row of ranked) {
    append(container, el('li', { 'data-testid': testId, 'data-id': row.id }, el('span', { class: 'key-name' }, row.name), el('span', { class: 'share-figures' }, fmtUsd(figure(row.group)))));
  }
}

/** Spent (and held by requests in flight) against the limit, with the period's end; `no budget` without one. */
function budgetBar(budget: BudgetUsage | null | undefined, testId: string): Node {
  if (!budget) return el('span', { class: 'faint', 'data-testid': testId, 'data-fraction': '' }, state.usage ? 'no budget' : '—');
  const fraction = budget.fraction;
  const level = fraction >= 1 ? 'over' : fraction >= 0.8 ? 'warn' : 'ok';
  const end = budget.period_end === undefined ? NaN : Date.parse(budget.period_end);
  return el(
    'div',
    { class: 'budget ' + level, 'data-testid': testId, 'data-fraction': fraction, title: budget.reserved_usd ? fmtUsd(budget.reserved_usd) + ' held by requests in flight' : null },
    svg(
      'svg',
      { class: 'share-bar', 'aria-hidden': 'true', preserveAspectRatio: 'none' },
      svg('rect', { class: 'track', x: 0, y: 0, width: '100%', height: '100%', rx: 3 }),
      svg('rect', { class: 'fill', x: 0, y: 0, width: Math.max(0.5, Math.min(1, fraction) * 100) + '%', height: '100%', rx: 3 }),
    ),
    el(
      'span',
      { class: 'budget-figures' },
      el('span', { 'data-testid': testId + '-spent' }, fmtUsd(budget.spent_usd)),
      ' of ',
      fmtUsd(budget.limit_usd),
      ' · ',
      el('b', { 'data-testid': testId + '-pct' }, fmtPct(fraction)),
      isNum(end) ? ' · resets ' + fmtTime(end) : null,
    ),
  );
}

/** The key's own rate limits (its team's are on the team's row of /v1/usage). */
function limitsText(usage: ScopeUsage): string {
  const limits = usage.limits;
  const parts = [
    isNum(limits?.rpm) ? limits.rpm + ' rpm' : null,
    isNum(limits?.tpm) ? limits.tpm + ' tpm' : null,
    isNum(limits?.max_concurrent) ? limits.max_concurrent + ' concurrent' : null,
  ].filter((part): part is string => part !== null);
  return parts.length > 0 ? parts.join(' · ') : 'no rate limits';
}

function refusals(usage: ScopeUsage | undefined): Node {
  const rate = usage?.refused?.rate_limited ?? 0;
  const budget = usage?.refused?.budget_exceeded ?? 0;
  return el(
    'span',
    { class: rate + budget > 0 ? 'refused' : 'faint', 'data-testid': 'refused', 'data-rate-limited': rate, 'data-budget-exceeded': budget, title: 'Requests refused: over a rate limit, over the budget' },
    usage ? rate + ' rate · ' + budget + ' budget' : '—',
  );
}
