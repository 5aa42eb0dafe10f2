import type { BuiltinModelEntry } from '../catalog/builtin-model-entry.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { resolveModels } from './resolve-models.js';
import { compileKeywords, compilePattern } from '../util/compile-pattern.js';
import type { ParsedConfig, ParsedRouter } from './config-schema.js';
import type { ConditionInput } from '../routing/signals/condition-input.js';
import { closestName, listNames } from '../util/describe-value.js';
import type { ConfigPath, UnsetVariable } from './interpolate-env.js';
import { toReliabilityOverrides } from './resolve-reliability.js';
import { resolveApiKeys } from './resolve-api-keys.js';
import { resolveServerLimits } from './server-limits-schema.js';
import { dirname, resolve as resolvePath } from 'node:path';
import { TrainedRouter } from '../learning/trained-router.js';
import type { ProviderConfig } from '../providers/provider-config.js';
import { resolveProvider } from '../providers/provider-registry.js';
import type { ClassifierSpec, RouteSpec, RouterSpec } from '../routing/router-spec.js';
import { DEFAULT_ROUTE } from '../spec/decision.js';
import { resolveTarget, type TargetResolveContext } from '../routing/policies/policy-registry.js';
import { toStickySettings } from '../routing/policies/sticky/conversation-memory.js';
import type { ResolvedConfig } from './resolved-config.js';
import { resolveModelAliases } from './resolve-model-aliases.js';
import { checkGuardModel, resolveGuard } from './resolve-guard.js';
import { resolveOnBudget } from './resolve-on-budget.js';
import { resolveShadow } from './resolve-shadow.js';
import { resolveDrift } from './resolve-drift.js';
import type { ValueIssue } from '../util/describe-zod-issues.js';

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
    const shared = { name, disabled, reliability: toReliabilityOverrides(provider) };
    const context = { disabled: disabled !== undefined, report: (key: string, message: string) => issues.push({ path: ['providers', name, key], message }) };
    providers.set(name, resolveProvider(provider, shared, context));
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
    if (spec?.guard) checkGuardModel(spec.guard, models, path, issues);
    const onBudget = resolveOnBudget(router, path, Object.keys(parsed.routers), issues);
    const shadow = resolveShadow(router, path, checkModel);
    if (spec) routers.set(name, { ...spec, ...(onBudget ? { onBudget } : {}), ...(shadow ? { shadow } : {}) });
  }
  const modelAliases = resolveModelAliases(parsed, models, options.builtin, issues);

  const { apiKeys, adminKeys } = resolveApiKeys(parsed.server, options.unset, issues);
  const limits = resolveServerLimits(parsed.server, issues);
  const drift = resolveDrift(parsed.drift, checkModel);
  if (issues.length > 0) return { config: undefined, issues };
  return {
    config: {
      source: options.source,
      server: {
        host: parsed.server.host,
        port: parsed.server.port,
        auth: parsed.server.auth,
        apiKeys,
        adminKeys,
        metricsKeyLabels: parsed.server.metrics_key_labels,
        allowedHosts: parsed.server.allowed_hosts,
        cors: parsed.server.cors ? { allowedOrigins: parsed.server.cors.allowed_origins } : undefined,
        maxBodyBytes: parsed.server.max_body_size,
        shutdownGraceMs: parsed.server.shutdown_grace_ms,
        ...limits,
      },
      storage: {
        path: parsed.storage.path,
        embeddingCache: parsed.storage.embedding_cache ?? resolvePath(parsed.storage.path === ':memory:' ? '.' : dirname(parsed.storage.path), 'switchyard-embeddings.jsonl'),
        storePrompts: parsed.storage.store_prompts,
        postgres: parsed.storage.postgres && { url: parsed.storage.postgres.url },
        retention: { maxAgeMs: parsed.storage.retention.max_age_days * 86_400_000, maxRows: parsed.storage.retention.max_rows },
      },
      providers,
      models,
      routers,
      modelAliases,
      teams: new Map(Object.entries(parsed.teams).map(([name, team]) => [name, { budget: team.budget, rpm: team.rpm, tpm: team.tpm, maxConcurrent: team.max_concurrent, requireGuard: team.require_guard }])),
      budgets: parsed.budgets,
      state: {
        redis: parsed.state.redis && { url: parsed.state.redis.url, keyPrefix: parsed.state.redis.key_prefix, timeoutMs: parsed.state.redis.timeout_ms, leaseMs: parsed.state.redis.lease_ms },
        onFailure: { rateLimits: parsed.state.on_failure.rate_limits, budgets: parsed.state.on_failure.budgets },
      },
      drift,
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
  const classifier = loadClassifier(router, path, loadTrained, checkModel, issues);
  if (router.encoder !== 'local') checkModel(router.encoder.model, [...path, 'encoder', 'model']);
  let hasExamples = false;

  const routes: RouteSpec[] = [];
  for (const [routeName, route] of Object.entries(router.routes)) {
    const routePath = [...path, 'routes', routeName];
    if (routeName === DEFAULT_ROUTE) {
      issues.push({ path: routePath, message: `"${DEFAULT_ROUTE}" is reserved for the router's \`default\`; give this route another name`, atKey: true });
    }
    if (route.when) hasExamples = checkCondition(route.when, [...routePath, 'when'], issues) || hasExamples;
    const target = route.target === undefined ? undefined : resolveTarget(route.target, [...routePath, 'target'], classifier.targets);
    routes.push({
      name: routeName,
      description: route.description,
      when: route.when,
      action: target ? { type: 'target', target } : { type: 'block', message: route.block ?? '' },
      system: route.system === undefined ? undefined : { text: route.system, merge: route.system_merge },
      failoverOnContentFilter: route.failover_on_content_filter,
      overrideSticky: route.override_sticky,
    });
  }

  const defaultTarget = resolveTarget(router.default, [...path, 'default'], classifier.targets);
  const guard = resolveGuard(router, path, checkModel, issues);
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
    guard,
    encoder: !hasExamples
      ? undefined
      : router.encoder === 'local'
        ? { type: 'local' }
        : { type: 'model', model: router.encoder.model, timeoutMs: router.encoder.timeout_ms, cache: { size: router.encoder.cache.size, ttlMs: router.encoder.cache.ttl_ms } },
    routes,
    defaultTarget,
    fallbacks,
    sticky: router.sticky ? toStickySettings(router.sticky) : undefined,
  };
}


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
  checkModel: CheckModel,
  issues: ValueIssue[],
): { spec: ClassifierSpec | undefined; targets: TargetResolveContext } {
  let spec: ClassifierSpec | undefined;
  let failed = false;
  const classifier = router.classifier;
  if (classifier?.type === 'trained') {
    try {
      const { file, model } = loadTrained(classifier.path);
      spec = { type: 'trained', path: file, model };
    } catch (error) {
      failed = true;
      issues.push({ path: [...path, 'classifier', 'path'], message: (error as Error).message });
    }
  } else if (classifier?.type === 'llm') {
    checkModel(classifier.model, [...path, 'classifier', 'model']);
    spec = {
      type: 'llm',
      model: classifier.model,
      prompt: classifier.prompt,
      timeoutMs: classifier.timeout_ms,
      cache: { size: classifier.cache.size, ttlMs: classifier.cache.ttl_ms },
      maxChars: classifier.max_chars,
    };
  }
  let reportedMissing = false;
  return {
    spec,
    // What a router's targets are resolved with: the models, and the classifier for policies that read its predictions.
    targets: {
      checkModel,
      report: (at, message) => issues.push({ path: [...at], message }),
      requirePrediction(model, at) {
        if (failed) return;
        if (spec?.type !== 'trained') {
          const why = spec ? 'an `llm` classifier names routes, it does not predict scores; ' : '';
          if (!reportedMissing) issues.push({ path: [...at], message: `this policy needs predicted scores: ${why}add \`classifier: { type: trained, path: FILE }\` to router "${String(path[1])}" (see \`switchyard train\`)` });
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

/** Reports invalid patterns and misplaced examples; says whether the route has `examples`. */
function checkCondition(condition: ConditionInput, path: ConfigPath, issues: ValueIssue[], nested = false): boolean {
  if (nested && condition.examples !== undefined) {
    // A route's examples compete with the other routes' for the most similar; that has no meaning inside any/all/not.
    issues.push({ path: [...path, 'examples'], message: "expected `examples` at the top of a route's `when`, not inside any, all or not" });
  }
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
  condition.any?.forEach((child, index) => checkCondition(child, [...path, 'any', index], issues, true));
  condition.all?.forEach((child, index) => checkCondition(child, [...path, 'all', index], issues, true));
  if (condition.not) checkCondition(condition.not, [...path, 'not'], issues, true);
  return condition.examples !== undefined;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
