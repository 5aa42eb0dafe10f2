import type { BuiltinModelEntry } from '../catalog/builtin-model-entry.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { resolveModels } from '../catalog/resolve-models.js';
import { compileKeywords, compilePattern } from './compile-pattern.js';
import type { ConditionInput, ParsedConfig, ParsedRouter, TargetInput } from './config-schema.js';
import { closestName, listNames } from '../util/describe-value.js';
import type { ConfigPath, UnsetVariable } from './interpolate-env.js';
import { toReliabilityOverrides } from './resolve-reliability.js';
import { resolve as resolvePath } from 'node:path';
import { TrainedRouter } from '../learning/trained-router.js';
import type {
  ClassifierSpec,
  ProviderConfig,
  ResolvedConfig,
  RouteSpec,
  RouterSpec,
  TargetSpec,
} from './resolved-config.js';
import type { ValueIssue } from '../util/describe-zod-issues.js';

/** The route name used when no rule matched; a route may not take it. */
export const DEFAULT_ROUTE = 'default';

/**
 * Checks everything zod cannot (references between sections, patterns, name clashes) and builds
 * the immutable runtime config. Returns every issue found rather than stopping at the first.
 */
export function resolveConfig(
  parsed: ParsedConfig,
  options: {
    source: string;
    /** Where relative paths in the config (a classifier's file) are resolved from. */
    baseDir: string;
    unset: readonly UnsetVariable[];
    builtin: Readonly<Record<string, BuiltinModelEntry>>;
  },
): { config: ResolvedConfig | undefined; issues: ValueIssue[] } {
  const issues: ValueIssue[] = [];
  const warnings: string[] = [];

  const providers = new Map<string, ProviderConfig>();
  for (const [name, provider] of Object.entries(parsed.providers)) {
    const missingEnv = unique(options.unset.filter((item) => item.path[0] === 'providers' && item.path[1] === name).map((item) => item.variable));
    const disabled = missingEnv.length > 0 ? { missingEnv } : undefined;
    if (disabled) warnings.push(`provider "${name}" is disabled: ${missingEnv.join(', ')} ${missingEnv.length === 1 ? 'is' : 'are'} not set`);
    const base = { name, disabled, reliability: toReliabilityOverrides(provider) };
    if (provider.type === 'openai') {
      if (provider.base_url === '' && !disabled) {
        issues.push({ path: ['providers', name, 'base_url'], message: 'expected an http(s) URL such as https://api.openai.com/v1, found ""' });
      }
      providers.set(name, {
        ...base,
        type: 'openai',
        baseUrl: provider.base_url,
        apiKey: provider.api_key === undefined || provider.api_key === '' ? undefined : provider.api_key,
        headers: provider.headers ?? {},
        maxConnections: provider.max_connections,
      });
    } else {
      const latency = typeof provider.latency_ms === 'number' ? { min: provider.latency_ms, max: provider.latency_ms } : provider.latency_ms;
      if (latency.min > latency.max) issues.push({ path: ['providers', name, 'latency_ms'], message: `expected min <= max, found min ${latency.min} and max ${latency.max}` });
      const rates = provider.faults.reduce((sum, fault) => sum + fault.rate, 0);
      if (rates > 1 + 1e-9) issues.push({ path: ['providers', name, 'faults'], message: `expected fault rates that add up to at most 1, found ${Number(rates.toFixed(6))}` });
      providers.set(name, {
        ...base,
        type: 'mock',
        seed: provider.seed,
        latencyMs: latency,
        chunkDelayMs: provider.chunk_delay_ms,
        reply: provider.reply,
        faults: provider.faults,
        script: provider.script,
      });
    }
  }

  const { models, issues: modelIssues } = resolveModels(parsed.models, options.builtin, providers, parsed.invalid.providers);
  issues.push(...modelIssues);
  const checkModel = modelChecker(models, options.builtin, parsed, issues);

  const loadTrained = trainedRouterLoader(options.baseDir);
  const routers = new Map<string, RouterSpec>();
  for (const [name, router] of Object.entries(parsed.routers)) {
    const path = ['routers', name];
    if (models.has(name)) {
      issues.push({ path, message: `router name "${name}" is also a model name; a client's \`model: "${name}"\` would be ambiguous, rename one of them`, atKey: true });
    }
    const spec = resolveRouter(name, router, path, checkModel, issues, loadTrained);
    if (spec) routers.set(name, spec);
  }

  if (issues.length > 0) return { config: undefined, issues };
  return {
    config: {
      source: options.source,
      server: {
        host: parsed.server.host,
        port: parsed.server.port,
        apiKeys: parsed.server.api_keys.filter((key) => key !== ''),
        maxBodyBytes: parsed.server.max_body_size,
      },
      storage: { path: parsed.storage.path },
      providers,
      models,
      routers,
      warnings,
    },
    issues,
  };
}

type CheckModel = (name: string, path: ConfigPath) => boolean;

function modelChecker(
  models: ReadonlyMap<string, ModelSpec>,
  builtin: Readonly<Record<string, BuiltinModelEntry>>,
  parsed: ParsedConfig,
  issues: ValueIssue[],
): CheckModel {
  return (name, path) => {
    if (models.has(name)) return true;
    // A model or provider whose own definition is invalid was reported already; do not report each use too.
    if (name in parsed.models || parsed.invalid.models.has(name)) return false;
    const entry = builtin[name];
    if (entry && parsed.invalid.providers.has(entry.provider)) return false;
    if (entry) {
      issues.push({
        path: [...path],
        message: `model "${name}" is in the built-in catalog but its provider "${entry.provider}" is not configured; add a provider named "${entry.provider}" or define the model under \`models:\` with a provider`,
      });
      return false;
    }
    const suggestion = closestName(name, models.keys());
    issues.push({
      path: [...path],
      message: `unknown model "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; known models: ${listNames(models.keys())}`,
    });
    return false;
  };
}

function resolveRouter(
  name: string,
  router: ParsedRouter,
  path: ConfigPath,
  checkModel: CheckModel,
  issues: ValueIssue[],
  loadTrained: LoadTrained,
): RouterSpec | undefined {
  const before = issues.length;
  if (router.reference !== undefined) checkModel(router.reference, [...path, 'reference']);
  const classifier = loadClassifier(router, path, loadTrained, issues);

  const routes: RouteSpec[] = [];
  for (const [routeName, route] of Object.entries(router.routes)) {
    const routePath = [...path, 'routes', routeName];
    if (routeName === DEFAULT_ROUTE) {
      issues.push({ path: routePath, message: `"${DEFAULT_ROUTE}" is reserved for the router's \`default\`; give this route another name`, atKey: true });
    }
    if (route.when) checkCondition(route.when, [...routePath, 'when'], issues);
    const target = route.target === undefined ? undefined : resolveTarget(route.target, [...routePath, 'target'], checkModel, classifier.check);
    routes.push({
      name: routeName,
      description: route.description,
      when: route.when,
      action: target ? { type: 'target', target } : { type: 'block', message: route.block ?? '' },
      system: route.system === undefined ? undefined : { text: route.system, merge: route.system_merge },
      failoverOnContentFilter: route.failover_on_content_filter,
    });
  }

  const defaultTarget = resolveTarget(router.default, [...path, 'default'], checkModel, classifier.check);
  const fallbacks = new Map<string, string[]>();
  for (const [model, next] of Object.entries(router.fallbacks)) {
    const ok = checkModel(model, [...path, 'fallbacks', model]);
    next.forEach((fallback, index) => checkModel(fallback, [...path, 'fallbacks', model, index]));
    if (ok) fallbacks.set(model, next);
  }
  if (issues.length > before) return undefined;
  return {
    name,
    description: router.description,
    reference: router.reference,
    matchOn: router.match_on,
    classifier: classifier.spec,
    routes,
    defaultTarget,
    fallbacks,
  };
}

function resolveTarget(target: TargetInput, path: ConfigPath, checkModel: CheckModel, classifier: Classifier): TargetSpec {
  if (typeof target === 'string') {
    checkModel(target, path);
    return { policy: 'single', model: target };
  }
  if ('fallback' in target) {
    target.fallback.forEach((model, index) => checkModel(model, [...path, 'fallback', index]));
    return { policy: 'fallback', models: target.fallback };
  }
  if ('cheapest_above' in target) {
    const { models, min_quality } = target.cheapest_above;
    const policyPath = [...path, 'cheapest_above'];
    models.forEach((model, index) => {
      if (checkModel(model, [...policyPath, 'models', index])) classifier.require(model, [...policyPath, 'models', index]);
    });
    return { policy: 'cheapest_above', models, minQuality: min_quality };
  }
  const { strong, weak, threshold } = target.strong_weak;
  const policyPath = [...path, 'strong_weak'];
  for (const [key, model] of [['strong', strong], ['weak', weak]] as const) {
    if (checkModel(model, [...policyPath, key])) classifier.require(model, [...policyPath, key]);
  }
  if (strong === weak) classifier.issues.push({ path: [...policyPath, 'weak'], message: `expected two different models, found "${weak}" as both strong and weak` });
  return { policy: 'strong_weak', strong, weak, threshold };
}

/** The router's classifier as far as targets need it: reports a policy without one, or a model it does not predict. */
type Classifier = { require(model: string, path: ConfigPath): void; issues: ValueIssue[] };

/** A trained router file by its path in the config, with the absolute path it was read from. */
type LoadTrained = (path: string) => { file: string; model: TrainedRouter };

/** Routers that share a classifier file share one loaded copy: each is megabytes and read at startup. */
function trainedRouterLoader(baseDir: string): LoadTrained {
  const loaded = new Map<string, TrainedRouter | Error>();
  return (path) => {
    const file = resolvePath(baseDir, path);
    let model = loaded.get(file);
    if (model === undefined) {
      try {
        model = TrainedRouter.load(file);
      } catch (error) {
        model = error as Error;
      }
      loaded.set(file, model);
    }
    if (model instanceof Error) throw model;
    return { file, model };
  };
}

function loadClassifier(
  router: ParsedRouter,
  path: ConfigPath,
  loadTrained: LoadTrained,
  issues: ValueIssue[],
): { spec: ClassifierSpec | undefined; check: Classifier } {
  let spec: ClassifierSpec | undefined;
  let failed = false;
  if (router.classifier) {
    try {
      const { file, model } = loadTrained(router.classifier.path);
      spec = { type: 'trained', path: file, model };
    } catch (error) {
      failed = true;
      issues.push({ path: [...path, 'classifier', 'path'], message: (error as Error).message });
    }
  }
  let reportedMissing = false;
  return {
    spec,
    check: {
      issues,
      require(model, at) {
        if (failed) return;
        if (!spec) {
          if (!reportedMissing) issues.push({ path: [...at], message: `this policy needs predicted scores: add \`classifier: { type: trained, path: FILE }\` to router "${String(path[1])}" (see \`switchyard train\`)` });
          reportedMissing = true;
          return;
        }
        if (!spec.model.has(model)) {
          issues.push({
            path: [...at],
            message: `the classifier ${spec.path} predicts no score for model "${model}"; it predicts ${listNames(spec.model.models)} (train with --map DATA_MODEL=${model})`,
          });
        }
      },
    },
  };
}

function checkCondition(condition: ConditionInput, path: ConfigPath, issues: ValueIssue[]): void {
  condition.regex?.forEach((pattern, index) => {
    try {
      compilePattern(pattern);
    } catch (error) {
      issues.push({ path: [...path, 'regex', index], message: `invalid regular expression: ${(error as Error).message}` });
    }
  });
  if (condition.keywords) {
    try {
      compileKeywords(condition.keywords);
    } catch (error) {
      issues.push({ path: [...path, 'keywords'], message: `invalid keywords: ${(error as Error).message}` });
    }
  }
  condition.any?.forEach((child, index) => checkCondition(child, [...path, 'any', index], issues));
  condition.all?.forEach((child, index) => checkCondition(child, [...path, 'all', index], issues));
  if (condition.not) checkCondition(condition.not, [...path, 'not'], issues);
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
