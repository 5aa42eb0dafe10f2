import { closestName, listNames } from '../util/describe-value.js';
import type { ParsedModelEntry } from './config-schema.js';
import type { ValueIssue } from '../util/describe-zod-issues.js';
import type { BuiltinModelEntry } from '../catalog/builtin-model-entry.js';
import type { ProviderConfig } from '../providers/provider-config.js';
import { resolveReliability, toReliabilityOverrides } from './resolve-reliability.js';
import type { DeploymentLimits, ModelApi, ModelCapabilities, ModelSpec } from '../spec/model-spec.js';

/**
 * Builds the model catalog of a config: the built-in entries whose provider the config defines,
 * then the config's own `models:`, each merged over the built-in entry it names (`from:`, else
 * the entry of the same name) field by field.
 */
export function resolveModels(
  entries: Readonly<Record<string, ParsedModelEntry>>,
  builtin: Readonly<Record<string, BuiltinModelEntry>>,
  providers: ReadonlyMap<string, ProviderConfig>,
  /** Providers whose definition is invalid (already reported): a model using one is skipped quietly. */
  invalidProviders: ReadonlySet<string> = new Set(),
): { models: Map<string, ModelSpec>; issues: ValueIssue[] } {
  const models = new Map<string, ModelSpec>();
  const issues: ValueIssue[] = [];
  const providerNames = new Set(providers.keys());

  for (const [name, entry] of Object.entries(entries)) {
    const path = ['models', name];
    let base: BuiltinModelEntry | undefined = builtin[name];
    if (entry.from !== undefined) {
      base = builtin[entry.from];
      if (!base) {
        const suggestion = closestName(entry.from, Object.keys(builtin));
        issues.push({
          path: [...path, 'from'],
          message: `unknown built-in model "${entry.from}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; built-in models: ${listNames(Object.keys(builtin), 60)}`,
        });
        continue;
      }
    }
    const provider = entry.provider ?? base?.provider;
    if (provider === undefined) {
      issues.push({ path: [...path, 'provider'], message: `missing: expected a provider name; known providers: ${listNames(providerNames)}` });
    } else if (!providerNames.has(provider) && !invalidProviders.has(provider)) {
      const suggestion = closestName(provider, providerNames);
      issues.push({
        path: [...path, entry.provider === undefined ? 'from' : 'provider'],
        message: `unknown provider "${provider}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; known providers: ${listNames(providerNames)}`,
      });
    }
    const input = entry.price?.input ?? base?.price.input;
    const embedding = entry.embedding ?? base?.embedding;
    // An embedding model writes no tokens: its output price is 0 unless written.
    const output = entry.price?.output ?? base?.price.output ?? (embedding ? 0 : undefined);
    if (input === undefined || output === undefined) {
      const missing = [input === undefined ? 'input' : undefined, output === undefined ? 'output' : undefined].filter(Boolean).join(' and ');
      issues.push({
        path: [...path, 'price'],
        message: `missing: expected price { input, output } in USD per 1M tokens (${missing} not given; required for models not in the built-in catalog)`,
      });
    }
    if (provider === undefined || !providerNames.has(provider) || input === undefined || output === undefined) continue;
    const providerConfig = providers.get(provider) as ProviderConfig;
    const api = resolveApi(name, entry, base, providerConfig, issues);
    if (api === null) continue;
    models.set(name, {
      name,
      provider,
      wireModel: entry.model ?? base?.model ?? name,
      price: {
        input,
        output,
        cachedInput: entry.price?.cached_input ?? base?.price.cached_input,
        cacheWrite: entry.price?.cache_write ?? base?.price.cache_write,
        ...optionalPrice(entry.price?.cache_write_1h ?? base?.price.cache_write_1h),
      },
      contextWindow: entry.context_window ?? base?.context_window,
      maxOutput: entry.max_output ?? base?.max_output,
      capabilities: mergeCapabilities(base?.capabilities, entry.capabilities, api),
      reliability: resolveReliability(providerConfig.reliability, toReliabilityOverrides(entry)),
      ...(api === 'responses' ? { api } : {}),
      origin: 'config',
      ...(embedding ? { embedding: { dimensions: embedding.dimensions } } : {}),
      ...(base?.moderation ? { moderation: true } : {}),
      ...(entry.limits ? { limits: deploymentLimits(entry.limits) } : {}),
    });
  }

  for (const [name, entry] of Object.entries(builtin)) {
    if (models.has(name) || !providerNames.has(entry.provider)) continue;
    const providerApi = (providers.get(entry.provider) as ProviderConfig).api;
    // A Responses-only model at a provider that cannot call it is left out, unasked for.
    if (entry.api === 'responses' && providerApi === undefined) continue;
    const api = entry.api ?? providerApi;
    models.set(name, {
      name,
      provider: entry.provider,
      wireModel: entry.model,
      price: {
        input: entry.price.input,
        output: entry.price.output,
        cachedInput: entry.price.cached_input,
        cacheWrite: entry.price.cache_write,
        ...optionalPrice(entry.price.cache_write_1h),
      },
      contextWindow: entry.context_window,
      maxOutput: entry.max_output,
      capabilities: mergeCapabilities(entry.capabilities, undefined, api),
      reliability: resolveReliability((providers.get(entry.provider) as ProviderConfig).reliability),
      ...(api === 'responses' ? { api } : {}),
      origin: 'builtin',
      ...(entry.embedding ? { embedding: { dimensions: entry.embedding.dimensions } } : {}),
      ...(entry.moderation ? { moderation: true } : {}),
    });
  }
  return { models, issues };
}

/**
 * The API a config model is called through: its own `api`, else its built-in entry's, else its
 * provider's. `null` (reported) when it names one at a provider that speaks a single wire API.
 */
function resolveApi(
  name: string,
  entry: ParsedModelEntry,
  base: BuiltinModelEntry | undefined,
  provider: ProviderConfig,
  issues: ValueIssue[],
): ModelApi | undefined | null {
  if (provider.api !== undefined) return entry.api ?? base?.api ?? provider.api;
  const single = `provider "${provider.name}" (type ${provider.type}) speaks one wire API`;
  if (entry.api !== undefined) {
    issues.push({ path: ['models', name, 'api'], message: `unexpected \`api\`: ${single}; only providers that speak both Chat Completions and the Responses API take one` });
    return null;
  }
  if (base?.api === 'responses') {
    const key = entry.provider !== undefined ? 'provider' : entry.from !== undefined ? 'from' : undefined;
    issues.push({
      path: key === undefined ? ['models', name] : ['models', name, key],
      message: `built-in model "${entry.from ?? name}" is served through the Responses API only, and ${single}; expected a provider that speaks the Responses API`,
    });
    return null;
  }
  return undefined;
}

/** Only the limits written: an absent one is no limit. */
function deploymentLimits(limits: NonNullable<ParsedModelEntry['limits']>): DeploymentLimits {
  return { ...(limits.rpm === undefined ? {} : { rpm: limits.rpm }), ...(limits.tpm === undefined ? {} : { tpm: limits.tpm }) };
}

function mergeCapabilities(
  base: BuiltinModelEntry['capabilities'] | undefined,
  override: ParsedModelEntry['capabilities'],
  api: ModelApi | undefined,
): ModelCapabilities {
  return {
    tools: override?.tools ?? base?.tools,
    jsonSchema: override?.json_schema ?? base?.json_schema,
    vision: override?.vision ?? base?.vision,
    streaming: override?.streaming ?? base?.streaming,
    reasoning: override?.reasoning ?? base?.reasoning,
    // The Responses API runs OpenAI's built-in tools; a config says otherwise for a vendor that only mimics it.
    builtinTools: override?.builtin_tools ?? base?.builtin_tools ?? (api === 'responses' ? true : undefined),
  };
}

/** The one-hour cache-write price, where one is given (absent otherwise, not undefined). */
function optionalPrice(cacheWrite1h: number | undefined): { cacheWrite1h?: number } {
  return cacheWrite1h === undefined ? {} : { cacheWrite1h };
}
