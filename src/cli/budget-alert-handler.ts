import type { Logger } from 'pino';
import type { BudgetAlert } from '../keys/budget-ledger.js';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';

/** A budget alert as one warn line (the key's id, name and team, never its secret) and a count in `switchyard_budget_alerts_total`. */
export function budgetAlertHandler(logger: Logger, metrics: () => GatewayMetrics | undefined): (alert: BudgetAlert) => void {
  return (alert) => {
    metrics()?.recordBudgetAlert(alert.scope, alert.threshold);
    const whose = alert.scope === 'key' ? `key "${alert.keyName}" (${alert.keyId})` : `team "${alert.id}"`;
    logger.warn(
      { budget: { scope: alert.scope, id: alert.id, keyId: alert.keyId, keyName: alert.keyName, team: alert.team, threshold: alert.threshold, spentUsd: alert.spentUsd, limitUsd: alert.limitUsd, period: alert.period } },
      `budget: ${whose} has spent ${Math.round(alert.threshold * 100)}% of its ${alert.period}'s $${alert.limitUsd} ($${alert.spentUsd})`,
    );
  };
}
