import { pino } from 'pino';
import { budgetAlertHandler } from '../../src/cli/budget-alert-handler.js';
import { parseConfig } from '../../src/config/load-config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { BudgetLedger } from '../../src/keys/budget-ledger.js';
import { CachedKeyLookup } from '../../src/keys/cached-key-lookup.js';
import { Governor } from '../../src/keys/key-governor.js';
import { openBudgetLedger } from '../../src/keys/open-budget-ledger.js';
import { SqliteKeyStore } from '../../src/keys/sqlite-key-store.js';
import { startServer, type RunningServer } from '../../src/server/create-server.js';
import { SqliteTraceStore } from '../../src/telemetry/sqlite-trace-store.js';

export type BudgetGateway = { running: RunningServer; keys: SqliteKeyStore; ledger: BudgetLedger; store: SqliteTraceStore; gateway: Gateway };

/**
 * A gateway as `serve` wires it, from YAML config text with a `storage.path`: virtual keys and spend
 * on the trace store's file, budgets loaded from it, alerts as log lines into `logLines`.
 */
export async function startBudgetGateway(yaml: string, logLines: string[] = []): Promise<BudgetGateway> {
  const config = parseConfig(yaml, 'test.yaml', { env: {} });
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  const store = SqliteTraceStore.open({ path: config.storage.path, retention: config.storage.retention, batchMs: 5 });
  const keys = new SqliteKeyStore(store.db);
  const ledger = openBudgetLedger(store.db, config.budgets, budgetAlertHandler(logger, () => gateway.metrics));
  // Alerts come with settled requests, after the gateway exists.
  const gateway: Gateway = await Gateway.create(config, { store, sinks: [], governor: new Governor({ teams: () => config.teams, budgets: ledger }) });
  const running = await startServer(gateway, logger, { host: '127.0.0.1', port: 0, virtualKeys: new CachedKeyLookup((hash) => keys.findByHash(hash), 300) });
  return { running, keys, ledger, store, gateway };
}
