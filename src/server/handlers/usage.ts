import { ForbiddenError } from '../../errors/request-errors.js';
import { Governor, type KeyUsage, type ScopeUsage, type UsageFilter, type UsageReport } from '../../keys/key-governor.js';
import type { BudgetState } from '../../spec/decision.js';
import { sendJson } from '../http-io.js';
import type { Handler, HandlerContext } from './handler-context.js';

/**
 * `GET /v1/usage`: the rate-limit windows, refusals and budgets of virtual keys and their teams.
 * A key sees its own (and its team's); an admin key, or anyone when the gateway is open, sees
 * every key and team, filtered by `?key=` (id or name) and `?team=`.
 */
export const handleUsage: Handler = async ({ request, response, gateway, caller }) => {
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
  const filter = usageFilter(caller, query);
  const report: UsageReport = gateway.governor instanceof Governor ? await gateway.governor.usage(filter) : { keys: [], teams: [] };
  sendJson(response, 200, { object: 'usage', keys: report.keys.map(keyJson), teams: report.teams.map(scopeJson) });
};

function usageFilter(caller: HandlerContext['caller'], query: URLSearchParams): UsageFilter {
  switch (caller.kind) {
    case 'key':
      return { key: caller.key.id, stored: false, also: caller.key };
    case 'admin':
    case 'open':
      return { key: query.get('key') ?? undefined, team: query.get('team') ?? undefined, stored: true };
    case 'static':
      throw new ForbiddenError('Only an admin key (server.admin_keys) may read the usage of every key; a static key (server.api_keys) has no usage of its own.', 'admin_only');
  }
}

function keyJson(usage: KeyUsage): Record<string, unknown> {
  const { id, ...scope } = scopeJson(usage);
  return { id, name: usage.name, team: usage.team ?? null, ...scope };
}

function scopeJson(usage: ScopeUsage): Record<string, unknown> {
  const { limits, window, refused, budget } = usage;
  return {
    id: usage.id,
    limits: { rpm: limits.rpm ?? null, tpm: limits.tpm ?? null, max_concurrent: limits.maxConcurrent ?? null, budget: limits.budget ?? null },
    window: window === undefined ? null : { requests: window.requests, tokens: window.tokens, in_flight: window.inFlight },
    refused: { rate_limited: refused.rateLimited, budget_exceeded: refused.budgetExceeded },
    budget: budget === undefined ? null : budgetJson(budget),
  };
}

function budgetJson(budget: BudgetState): Record<string, unknown> {
  return {
    scope: budget.scope,
    id: budget.id,
    limit_usd: budget.limitUsd,
    spent_usd: budget.spentUsd,
    reserved_usd: budget.reservedUsd,
    fraction: budget.fraction,
    period: budget.period,
    period_end: new Date(budget.periodEnd).toISOString(),
  };
}
