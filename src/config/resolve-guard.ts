import type { ParsedRouter } from './config-schema.js';
import type { ConfigPath } from './interpolate-env.js';
import type { GuardSpec } from '../routing/router-spec.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { LLAMA_GUARD_CATEGORIES } from '../routing/guard/llama-guard-prompt.js';
import { MODERATION_CATEGORIES } from '../routing/guard/moderation-categories.js';
import { closestName, listNames } from '../util/describe-value.js';
import type { ValueIssue } from '../util/describe-zod-issues.js';

const LLAMA_GUARD_CODE = /^S\d{1,2}$/;

/**
 * A router's `guard`: its model is a model of the config, its route one of the router's, its
 * categories those of its type (Llama Guard 3's codes, or the moderation endpoint's names), and a
 * `threshold` only where there are scores to compare (`type: moderation`).
 */
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
  guard.categories.forEach((name, index) => {
    const message = guard.type === 'moderation' ? moderationCategoryIssue(name) : llamaGuardCategoryIssue(name);
    if (message) issues.push({ path: [...at, 'categories', index], message });
  });
  if (guard.type === 'llama_guard' && guard.threshold !== undefined) {
    issues.push({ path: [...at, 'threshold'], message: 'a Llama Guard answer has no scores to compare: `threshold` needs `type: moderation`' });
  }
  const onUnsafe = guard.on_unsafe;
  if (onUnsafe !== 'block' && !(onUnsafe.route in router.routes)) {
    const routes = Object.keys(router.routes);
    const near = closestName(onUnsafe.route, routes);
    issues.push({
      path: [...at, 'on_unsafe', 'route'],
      message: `router "${String(path[1])}" has no route "${onUnsafe.route}"${near ? ` (did you mean "${near}"?)` : ''}; its routes: ${listNames(routes)}`,
    });
  }
  const common = {
    model: guard.model,
    onUnsafe: onUnsafe === 'block' ? { type: 'block' as const, message: guard.block_message } : { type: 'route' as const, route: onUnsafe.route },
    categories: guard.categories,
    timeoutMs: guard.timeout_ms,
    fail: guard.fail,
  };
  return guard.type === 'moderation' ? { ...common, type: 'moderation', threshold: guard.threshold } : { ...common, type: 'llama_guard' };
}

function llamaGuardCategoryIssue(code: string): string | undefined {
  if (!LLAMA_GUARD_CODE.test(code)) return `expected a category code such as S2, not "${code}" (category names such as "violence" need \`type: moderation\`)`;
  const known = Object.keys(LLAMA_GUARD_CATEGORIES);
  return known.includes(code) ? undefined : `"${code}" is not a Llama Guard 3 category; expected one of ${listNames(known)}`;
}

function moderationCategoryIssue(name: string): string | undefined {
  if (MODERATION_CATEGORIES.includes(name)) return undefined;
  const near = closestName(name, MODERATION_CATEGORIES);
  return `"${name}" is not a moderation category${near ? ` (did you mean "${near}"?)` : ''}; expected one of ${listNames(MODERATION_CATEGORIES)}`;
}

/**
 * A guard's model is of the guard's kind: a Llama Guard is a chat model, a moderation guard is
 * not an embedding model nor a chat model of the built-in catalog. (A model the config defines
 * from scratch says nothing about its kind: the upstream decides.)
 */
export function checkGuardModel(guard: GuardSpec, models: ReadonlyMap<string, ModelSpec>, path: ConfigPath, issues: ValueIssue[]): void {
  const spec = models.get(guard.model);
  if (!spec) return;
  const at = [...path, 'guard', 'model'];
  if (guard.type === 'llama_guard' && spec.moderation) {
    issues.push({ path: at, message: `"${guard.model}" is a moderation model: a guard that calls it needs \`type: moderation\`` });
  } else if (spec.embedding) {
    issues.push({ path: at, message: `"${guard.model}" is an embedding model; a guard needs a Llama Guard chat model or (with \`type: moderation\`) a moderation model` });
  } else if (guard.type === 'moderation' && !spec.moderation && spec.origin === 'builtin') {
    issues.push({ path: at, message: `"${guard.model}" is a chat model of the built-in catalog, not a moderation model (such as omni-moderation-latest)` });
  }
}
