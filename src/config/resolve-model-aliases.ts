import type { BuiltinModelEntry } from '../catalog/builtin-model-entry.js';
import { compileModelAliases, type ModelAlias, type ModelAliases } from '../routing/model-aliases.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { closestName, describeValue, listNames } from '../util/describe-value.js';
import type { ValueIssue } from '../util/describe-zod-issues.js';
import type { ParsedConfig } from './config-schema.js';
import { ModelGlobSchema } from './model-aliases-schema.js';

/**
 * Checks `model_aliases` (each key a glob, each target an existing router or model, no key that an
 * exact name would always shadow) and compiles the valid entries, in the order written.
 */
export function resolveModelAliases(
  parsed: ParsedConfig,
  models: ReadonlyMap<string, ModelSpec>,
  builtin: Readonly<Record<string, BuiltinModelEntry>>,
  issues: ValueIssue[],
): ModelAliases {
  const routers = Object.keys(parsed.routers);
  const isName = (name: string): boolean => Object.hasOwn(parsed.routers, name) || models.has(name);
  const entries: ModelAlias[] = [];
  for (const [glob, target] of Object.entries(parsed.model_aliases)) {
    const path = ['model_aliases', glob];
    const globCheck = ModelGlobSchema.safeParse(glob);
    if (!globCheck.success) {
      issues.push({ path, message: `invalid alias ${describeValue(glob)}: ${globCheck.error.issues[0]?.message ?? 'invalid'}`, atKey: true });
    } else if (!/[*?]/.test(glob) && isName(glob)) {
      // A client's exact router or model name is served as such: this entry could never apply.
      issues.push({ path, message: `"${glob}" is a ${Object.hasOwn(parsed.routers, glob) ? 'router' : 'model'} name, which requests reach directly, never through an alias; remove this alias`, atKey: true });
    }
    if (typeof target !== 'string' || target === '') {
      issues.push({ path, message: `expected a router or model name, found ${describeValue(target)}` });
      continue;
    }
    if (!isName(target)) {
      const problem = unknownTarget(target, parsed, models, builtin, routers);
      if (problem) issues.push({ path, message: problem });
      continue;
    }
    entries.push({ glob, target });
  }
  return compileModelAliases(entries);
}

/** Why a target is not a router or model; undefined when its own entry's error was reported already. */
function unknownTarget(
  target: string,
  parsed: ParsedConfig,
  models: ReadonlyMap<string, ModelSpec>,
  builtin: Readonly<Record<string, BuiltinModelEntry>>,
  routers: readonly string[],
): string | undefined {
  if (Object.hasOwn(parsed.models, target) || parsed.invalid.models.has(target)) return undefined;
  const entry = Object.hasOwn(builtin, target) ? builtin[target] : undefined;
  if (entry) {
    if (parsed.invalid.providers.has(entry.provider)) return undefined;
    return `model "${target}" is in the built-in catalog but its provider "${entry.provider}" is not configured; add a provider named "${entry.provider}" or define the model under \`models:\` with a provider`;
  }
  const suggestion = closestName(target, [...routers, ...models.keys()]);
  return `unknown router or model "${target}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; routers: ${listNames(routers)}; models: ${listNames(models.keys())}`;
}
