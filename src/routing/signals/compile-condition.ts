import { compileKeywords, compilePattern } from '../../util/compile-pattern.js';
import { compileGlobs } from '../../util/compile-glob.js';
import type { ConditionInput } from './condition-input.js';
import type { RequestTraits } from './request-traits.js';

export type Evidence =
  | { signal: 'keywords' | 'regex'; match: string }
  | { signal: 'metadata'; key: string; value: string }
  | { signal: 'complexity'; score: number }
  | { signal: 'examples'; similarity: number; example: string }
  | { signal: 'requested_model'; glob: string }
  | { signal: 'has_tools' | 'has_images' | 'thinking'; value: boolean }
  | { signal: 'tokens'; tokens: number; exact: boolean };

export type MatchInput = {
  /** Computed on first use and cached by the caller, so routers without text rules never build it. */
  text(): string;
  /** The complexity score of the text (0..1), computed on first use like `text`. */
  complexity(): number;
  metadata: Readonly<Record<string, string>> | undefined;
  /** The model name the client sent, before any `model_aliases` lookup. */
  requestedModel: string;
  request: RequestTraits;
  /** The prompt's tokens, measured before matching when the router has token conditions (`tokenThresholds`); undefined otherwise. */
  tokens: PromptTokensForRules | undefined;
};

/** The prompt's token count as token conditions read it: exact, or a bound that decides every threshold of the router as the exact count would. */
export type PromptTokensForRules = { tokens: number; exact: boolean };

/** The `true|false` keys of a `when` and the trait each compares, cheapest first. */
const TRAIT_TESTS = [
  ['has_tools', 'hasTools'],
  ['thinking', 'thinking'],
  ['has_images', 'hasImages'],
] as const satisfies readonly (readonly [keyof ConditionInput, keyof RequestTraits])[];

/** What fired, or undefined when the condition does not hold. An empty list matched without evidence (`not`). */
export type Matcher = (input: MatchInput) => Evidence[] | undefined;

/** Compiles a `when`'s rule tests once at startup (regexes built here, never per request); its `examples` are matched by the router. */
export function compileCondition(condition: ConditionInput): Matcher {
  const tests: Matcher[] = [];
  // The request's own traits first: they cost next to nothing, the text tests read the messages.
  if (condition.requested_model !== undefined) {
    const globs = Array.isArray(condition.requested_model) ? condition.requested_model : [condition.requested_model];
    const lookup = compileGlobs(globs);
    tests.push((input) => {
      const index = lookup(input.requestedModel);
      return index === undefined ? undefined : [{ signal: 'requested_model', glob: globs[index] as string }];
    });
  }
  for (const [key, trait] of TRAIT_TESTS) {
    const expected = condition[key];
    if (expected === undefined) continue;
    tests.push((input) => (input.request[trait]() === expected ? [{ signal: key, value: expected }] : undefined));
  }
  if (condition.keywords) {
    const regex = compileKeywords(condition.keywords);
    tests.push((input) => {
      const found = regex.exec(input.text());
      return found ? [{ signal: 'keywords', match: found[0] }] : undefined;
    });
  }
  if (condition.regex) {
    const patterns = condition.regex.map((source) => ({ source, regex: compilePattern(source) }));
    tests.push((input) => {
      const text = input.text();
      for (const { source, regex } of patterns) if (regex.test(text)) return [{ signal: 'regex', match: source }];
      return undefined;
    });
  }
  if (condition.metadata) {
    const expected = Object.entries(condition.metadata).map(([key, value]) => ({ key, values: Array.isArray(value) ? value : [value] }));
    // Every listed key must be present with one of its values.
    tests.push((input) => {
      const evidence: Evidence[] = [];
      for (const { key, values } of expected) {
        const actual = input.metadata?.[key];
        if (actual === undefined || !values.includes(actual)) return undefined;
        evidence.push({ signal: 'metadata', key, value: actual });
      }
      return evidence;
    });
  }
  if (condition.min_tokens !== undefined || condition.max_tokens !== undefined) {
    const min = condition.min_tokens ?? 0;
    const max = condition.max_tokens ?? Infinity;
    tests.push((input) => {
      const measured = input.tokens;
      return measured && measured.tokens >= min && measured.tokens <= max ? [{ signal: 'tokens', tokens: measured.tokens, exact: measured.exact }] : undefined;
    });
  }
  if (condition.complexity) {
    const min = condition.complexity.min ?? 0;
    const max = condition.complexity.max ?? 1;
    tests.push((input) => {
      const score = input.complexity();
      return score >= min && score <= max ? [{ signal: 'complexity', score: Math.round(score * 10_000) / 10_000 }] : undefined;
    });
  }
  if (condition.any) {
    const children = condition.any.map(compileCondition);
    tests.push((input) => {
      for (const child of children) {
        const evidence = child(input);
        if (evidence) return evidence;
      }
      return undefined;
    });
  }
  if (condition.all) {
    const children = condition.all.map(compileCondition);
    tests.push((input) => {
      const evidence: Evidence[] = [];
      for (const child of children) {
        const found = child(input);
        if (!found) return undefined;
        evidence.push(...found);
      }
      return evidence;
    });
  }
  if (condition.not) {
    const child = compileCondition(condition.not);
    tests.push((input) => (child(input) ? undefined : []));
  }
  // The tests of one `when` are alternatives: the first that holds decides.
  return (input) => {
    for (const test of tests) {
      const evidence = test(input);
      if (evidence) return evidence;
    }
    return undefined;
  };
}

/** Every `min_tokens`/`max_tokens` of a condition, nested ones included: what a prompt's size is measured against. */
export function tokenThresholds(condition: ConditionInput): number[] {
  const own = [condition.min_tokens, condition.max_tokens].filter((value): value is number => value !== undefined);
  const nested = [...(condition.any ?? []), ...(condition.all ?? []), ...(condition.not ? [condition.not] : [])];
  return [...own, ...nested.flatMap(tokenThresholds)];
}
