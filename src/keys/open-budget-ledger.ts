import type { Database } from 'better-sqlite3';
import { BudgetLedger, type BudgetAlert } from './budget-ledger.js';
import type { BudgetClock } from './budget-period.js';
import { loadSpend } from './load-spend.js';

/**
 * The budgets of a gateway on the trace store `db`: the spend of the periods still open, as stored
 * with the traces, then counted in memory. `clock` is read once: a reload that changes `budgets:`
 * takes effect at the next start.
 */
export function openBudgetLedger(db: Database, clock: BudgetClock, onAlert?: (alert: BudgetAlert) => void): BudgetLedger {
  return new BudgetLedger({ clock, spent: loadSpend(db, Date.now()), ...(onAlert ? { onAlert } : {}) });
}
