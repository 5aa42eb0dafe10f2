import type { Database } from 'better-sqlite3';
import { BudgetLedger, type BudgetAlert, type SpendRecord } from './budget-ledger.js';
import type { BudgetClock } from './budget-period.js';
import { loadSpend } from './load-spend.js';

/**
 * The budgets of a gateway: the spend of the periods still open, as stored with the traces (the
 * SQLite trace store `db`, or the records `loadPostgresSpend` read), then counted in memory.
 * `clock` is read once: a reload that changes `budgets:` takes effect at the next start.
 */
export function openBudgetLedger(spend: Database | readonly SpendRecord[], clock: BudgetClock, onAlert?: (alert: BudgetAlert) => void): BudgetLedger {
  const spent = isRecords(spend) ? spend : loadSpend(spend, Date.now());
  return new BudgetLedger({ clock, spent, ...(onAlert ? { onAlert } : {}) });
}

function isRecords(spend: Database | readonly SpendRecord[]): spend is readonly SpendRecord[] {
  return Array.isArray(spend);
}
