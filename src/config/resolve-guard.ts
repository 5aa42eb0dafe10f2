import type { ParsedRouter } from './config-schema.js';
import type { ConfigPath } from './interpolate-env.js';
import type { GuardSpec } from '../routing/router-spec.js';
import { LLAMA_GUARD_CATEGORIES } from '../routing/guard/llama-guard-prompt.js';
import { closestName, listNames } from '../util/describe-value.js';
import type { ValueIssue } from '../util/describe-zod-issues.js';

/** A router's `guard`: its model is a model of the config, its route one of the router's, its categories Llama Guard's. */
export function resolveGuard(
  router: ParsedRouter,
  path: ConfigPath,
  checkModel: (name: string, path: ConfigPath) => boolean,
  issues: ValueIssue[],
): GuardSpec | undefined {
  const guard = router.guard;
  if (!guard) return undefined;
  const at = [...path, 'guard'];
  checkModel(guard.model, [...at, 'model']);
  const known = Object.keys(LLAMA_GUARD_CATEGORIES);
  guard.categories.forEach((code, index) => {
    if (!known.includes(code)) issues.push({ path: [...at, 'categories', index], message: `"${code}" is not a Llama Guard 3 category; expected one of ${listNames(known)}` });
  });
  const onUnsafe = guard.on_unsafe;
  if (onUnsafe !== 'block' && !(onUnsafe.route in router.routes)) {
    const routes = Object.keys(router.routes);
    const near = closestName(onUnsafe.route, routes);
    issues.push({
      path: [...at, 'on_unsafe', 'route'],
      message: `router "${String(path[1])}" has no route "${onUnsafe.route}"${near ? ` (did you mean "${near}"?)` : ''}; its routes: ${listNames(routes)}`,
    });
  }
  return {
    model: guard.model,
    onUnsafe: onUnsafe === 'block' ? { type: 'block', message: guard.block_message } : { type: 'route', route: onUnsafe.route },
    categories: guard.categories,
    timeoutMs: guard.timeout_ms,
    fail: guard.fail,
  };
}
