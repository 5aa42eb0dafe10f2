import type { OnBudgetRule } from '../routing/on-budget.js';
import { closestName, listNames } from '../util/describe-value.js';
import type { ValueIssue } from '../util/describe-zod-issues.js';
import type { ParsedRouter } from './config-schema.js';
import type { ConfigPath } from './interpolate-env.js';

/**
 * A router's `on_budget`, sorted by `above`: each `use` names another router of the config (the one
 * used is routed as is, its own `on_budget` not applied: one switch, so no loop), and no two rules
 * share an `above`.
 */
export function resolveOnBudget(router: ParsedRouter, path: ConfigPath, routers: readonly string[], issues: ValueIssue[]): OnBudgetRule[] | undefined {
  const rules = router.on_budget;
  if (!rules) return undefined;
  const name = String(path[path.length - 1]);
  const seen = new Set<number>();
  rules.forEach((rule, index) => {
    const at = [...path, 'on_budget', index];
    if (seen.has(rule.above)) issues.push({ path: [...at, 'above'], message: `another rule of on_budget is already above ${rule.above}` });
    seen.add(rule.above);
    if (!('use' in rule)) return;
    if (rule.use === name) {
      issues.push({ path: [...at, 'use'], message: `router "${name}" cannot use itself when its budget runs low; name a cheaper router` });
    } else if (!routers.includes(rule.use)) {
      const near = closestName(rule.use, routers);
      issues.push({ path: [...at, 'use'], message: `unknown router "${rule.use}"${near ? ` (did you mean "${near}"?)` : ''}; routers: ${listNames(routers)}` });
    }
  });
  return [...rules].sort((a, b) => a.above - b.above).map((rule) => ('use' in rule ? { above: rule.above, use: rule.use } : { above: rule.above, block: rule.block }));
}
