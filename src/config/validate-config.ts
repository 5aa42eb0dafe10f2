import { z } from 'zod';
import { describeZodIssues, type ValueIssue } from '../util/describe-zod-issues.js';
import {
  ModelEntrySchema,
  NameSchema,
  ProviderSchema,
  RouterShellSchema,
  RouteSchema,
  ServerSchema,
  StorageSchema,
  TopLevelSchema,
  type ParsedConfig,
  type ParsedRoute,
  type ParsedRouter,
} from './config-schema.js';
import { ModelAliasesSchema } from './model-aliases-schema.js';
import { BudgetsSchema, TeamSchema } from './teams-schema.js';
import { StateSchema } from './state-schema.js';
import { DriftSchema } from './drift-schema.js';

/**
 * Validates a config entry by entry (each provider, model, router and route on its own), so the
 * valid rest can still be checked for references and every problem is reported in one run.
 */
export function validateConfig(value: unknown): { parsed: ParsedConfig; issues: ValueIssue[] } {
  const issues: ValueIssue[] = [];
  const top = check(TopLevelSchema, value, [], issues) ?? {};
  const invalidProviders = new Set<string>();
  const invalidModels = new Set<string>();

  const entries = <T>(section: 'providers' | 'models', schema: z.ZodType<T>, invalid: Set<string>, lenient?: z.ZodType<T>): Record<string, T> => {
    const out: Record<string, T> = {};
    for (const [name, raw] of Object.entries(top[section] ?? {})) {
      const parsed = checkName(section, name, issues) ? check(schema, raw, [section, name], issues, lenient) : undefined;
      if (parsed === undefined) invalid.add(name);
      else out[name] = parsed;
    }
    return out;
  };

  const routers: Record<string, ParsedRouter> = {};
  for (const [name, raw] of Object.entries(top.routers ?? {})) {
    const nameOk = checkName('routers', name, issues);
    const shell = check(RouterShellSchema, raw, ['routers', name], issues, LenientRouterShell);
    const routes: Record<string, ParsedRoute> = {};
    for (const [routeName, rawRoute] of Object.entries(shell?.routes ?? {})) {
      const routeNameOk = checkName('routes', routeName, issues, ['routers', name, 'routes', routeName]);
      const route = check(RouteSchema, rawRoute, ['routers', name, 'routes', routeName], issues);
      if (route && routeNameOk) routes[routeName] = route;
    }
    if (shell && nameOk) routers[name] = { ...shell, routes };
  }

  const teams: ParsedConfig['teams'] = {};
  for (const [name, raw] of Object.entries(top.teams ?? {})) {
    const team = checkName('teams', name, issues) ? check(TeamSchema, raw, ['teams', name], issues) : undefined;
    if (team) teams[name] = team;
  }

  return {
    parsed: {
      server: check(ServerSchema, top.server ?? {}, ['server'], issues, z.object(ServerSchema.shape)) ?? ServerSchema.parse({}),
      storage: check(StorageSchema, top.storage ?? {}, ['storage'], issues) ?? StorageSchema.parse({}),
      providers: entries('providers', ProviderSchema, invalidProviders),
      models: entries('models', ModelEntrySchema, invalidModels, z.object(ModelEntrySchema.shape)),
      routers,
      model_aliases: check(ModelAliasesSchema, top.model_aliases ?? {}, ['model_aliases'], issues) ?? {},
      teams,
      budgets: check(BudgetsSchema, top.budgets ?? {}, ['budgets'], issues) ?? BudgetsSchema.parse({}),
      state: check(StateSchema, top.state ?? {}, ['state'], issues) ?? StateSchema.parse({}),
      drift: check(DriftSchema, top.drift ?? {}, ['drift'], issues) ?? DriftSchema.parse({}),
      invalid: { providers: invalidProviders, models: invalidModels },
    },
    issues,
  };
}

// Same fields without the unknown-key check: an entry whose only fault is a misspelt key still
// gets its references checked, so one run reports everything.
const LenientRouterShell = z.object(RouterShellSchema.shape);

/** Parses and reports; on failure, the lenient schema (if any) may still yield the known fields for the semantic checks. */
function check<T>(schema: z.ZodType<T>, value: unknown, path: (string | number)[], issues: ValueIssue[], lenient?: z.ZodType<T>): T | undefined {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  for (const issue of describeZodIssues(result.error.issues, value, schema)) issues.push({ ...issue, path: [...path, ...issue.path] });
  const fallback = lenient?.safeParse(value);
  return fallback?.success ? fallback.data : undefined;
}

function checkName(section: string, name: string, issues: ValueIssue[], path: (string | number)[] = [section, name]): boolean {
  const result = NameSchema.safeParse(name);
  if (result.success) return true;
  issues.push({ path, message: `invalid name "${name}": ${result.error.issues[0]?.message ?? 'invalid'}`, atKey: true });
  return false;
}
