import type { PolicyPath, PolicyResolveContext } from './policy-definition.js';

/** Checks each model a policy lists, reporting an unknown one and a repeat at its index. */
export function checkModelList(models: readonly string[], path: PolicyPath, context: PolicyResolveContext, distinct = true): void {
  const seen = new Set<string>();
  models.forEach((model, index) => {
    context.checkModel(model, [...path, index]);
    // A policy that lists a model twice would call it twice for nothing.
    if (distinct && seen.has(model)) context.report([...path, index], `"${model}" is listed twice; list each model once`);
    seen.add(model);
  });
}
