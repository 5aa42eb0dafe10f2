import type { ShadowSpec } from '../spec/shadow-spec.js';
import type { ParsedRouter } from './config-schema.js';
import type { ConfigPath } from './interpolate-env.js';

/** What a judge is asked when the config gives no rubric. */
export const DEFAULT_SHADOW_RUBRIC = 'Which answer is more correct, complete and helpful for the request, as the user would judge it.';

/**
 * A router's `shadow:`: every alternative and the judge must be a configured model (`checkModel`
 * reports at the key); a model listed twice is one alternative.
 */
export function resolveShadow(router: ParsedRouter, path: ConfigPath, checkModel: (name: string, path: ConfigPath) => boolean): ShadowSpec | undefined {
  const shadow = router.shadow;
  if (!shadow) return undefined;
  const at = [...path, 'shadow'];
  let ok = true;
  shadow.models.forEach((model, index) => {
    ok = checkModel(model, [...at, 'models', index]) && ok;
  });
  ok = checkModel(shadow.judge.model, [...at, 'judge', 'model']) && ok;
  if (!ok) return undefined;
  return {
    sample: shadow.sample,
    models: [...new Set(shadow.models)],
    judge: { model: shadow.judge.model, rubric: shadow.judge.rubric ?? DEFAULT_SHADOW_RUBRIC },
    budgetUsdPerDay: shadow.budget_usd_per_day,
    maxConcurrent: shadow.max_concurrent,
  };
}
