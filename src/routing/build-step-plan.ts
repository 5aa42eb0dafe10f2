import type { ProviderConfig } from '../providers/provider-config.js';
import type { Candidate, FilteredCandidate } from '../spec/decision.js';
import type { ModelSpec } from '../spec/model-spec.js';

/**
 * The ordered models of one step of a target, as compiled: built once per target at startup and
 * shared by every request; filtering per request turns it into a `Step`.
 */
export type StepPlan = {
  /** The policy's name, as the Decision shows it (`direct` for a model named by the client). */
  policy: string;
  candidates: readonly Candidate[];
  filtered: readonly FilteredCandidate[];
  /** Specs of `candidates`, same order. */
  specs: readonly ModelSpec[];
};

/** What plans are built from: the models, their providers, and whether a disabled provider rules its models out. */
export type PlanContext = {
  models: ReadonlyMap<string, ModelSpec>;
  providers: ReadonlyMap<string, ProviderConfig>;
  /** Offline replays (`switchyard eval`) decide as if every provider had its credentials. */
  ignoreDisabledProviders: boolean;
};

/** `first`'s models, then `rest`'s that are not among them: a plan that tries one model before a policy's own. */
export function prependStepPlan(first: StepPlan, rest: StepPlan): StepPlan {
  const taken = new Set(first.candidates.map((candidate) => candidate.model));
  const candidates = [...first.candidates];
  const specs = [...first.specs];
  rest.candidates.forEach((candidate, index) => {
    if (taken.has(candidate.model)) return;
    candidates.push(candidate);
    specs.push(rest.specs[index] as ModelSpec);
  });
  return { policy: rest.policy, candidates, filtered: [...first.filtered, ...rest.filtered.filter((item) => !taken.has(item.model))], specs };
}

/**
 * Expands the models a policy names, in order, into the models to try: each followed by its
 * router-level `fallbacks` (`interleaved`), or all named models first and then their fallbacks
 * (`after`: deployments of one model are tried before any other model), without repeats. Models
 * whose provider is disabled are filtered out with the reason.
 */
export function buildStepPlan(
  policy: string,
  named: readonly string[],
  fallbacks: ReadonlyMap<string, readonly string[]>,
  context: PlanContext,
  order: 'interleaved' | 'after' = 'interleaved',
): StepPlan {
  const { models, providers } = context;
  const seen = new Set<string>();
  const ordered: { name: string; source: Candidate['source'] }[] = [];
  const add = (name: string, source: Candidate['source']): void => {
    if (!seen.has(name)) ordered.push({ name, source });
    seen.add(name);
  };
  for (const name of named) {
    add(name, 'target');
    if (order === 'interleaved') for (const next of fallbacks.get(name) ?? []) add(next, 'fallback');
  }
  if (order === 'after') for (const name of named) for (const next of fallbacks.get(name) ?? []) add(next, 'fallback');
  const candidates: Candidate[] = [];
  const filtered: FilteredCandidate[] = [];
  const specs: ModelSpec[] = [];
  for (const { name, source } of ordered) {
    const spec = models.get(name);
    if (!spec) continue; // config validation guarantees references exist
    const disabled = context.ignoreDisabledProviders ? undefined : providers.get(spec.provider)?.disabled;
    if (disabled) {
      filtered.push({
        model: name,
        reason: 'provider_disabled',
        detail: `provider "${spec.provider}" is disabled: set ${disabled.missingEnv.join(', ')}`,
      });
      continue;
    }
    candidates.push({ model: name, provider: spec.provider, source });
    specs.push(spec);
  }
  return { policy, candidates, filtered, specs };
}
