import { countMatches, SCAN_LIMIT } from './count-matches.js';

/**
 * The complexity signal: how demanding a prompt looks, from its text alone, in microseconds.
 * Each feature is a count squashed with log1p so that one long paste does not drown the rest;
 * the score is a fixed logistic blend of them in [0, 1]. The weights were set by hand so that
 * a one-line question scores about 0.1 and a multi-part technical task with code about 0.8; they
 * are documented in docs/learned-routing.md ("The complexity signal") and are features for `switchyard train`.
 */

export const COMPLEXITY_FEATURES = [
  'length',
  'questions',
  'code',
  'structured_output',
  'multi_step',
  'domain_terms',
  'numbers',
  'turns',
] as const;

export type ComplexityFeature = (typeof COMPLEXITY_FEATURES)[number];

export type Complexity = {
  score: number;
  /** log1p of each count, in `COMPLEXITY_FEATURES` order. */
  features: Record<ComplexityFeature, number>;
};

const QUESTION = /\?/g;
const CODE =
  /```|^[ \t]{4}\S|\b(?:def|class|function|const|let|var|return|import|public|static|void|struct|impl|fn|SELECT|FROM|WHERE)\b|=>|[{};]\s*$|\b\w+\([^)]*\)\s*[{:]/gm;
const STRUCTURED =
  /\b(?:json|yaml|xml|csv|markdown table|table|schema|bullet(?:ed)? list|numbered list|key[- ]value|format(?:ted)? as|in the format)\b/gi;
const MULTI_STEP =
  /\b(?:step[- ]by[- ]step|steps?|first(?:ly)?|second(?:ly)?|then|next|after that|finally|compare|contrast|explain why|analy[sz]e|evaluate|design|implement|prove|derive|justify|trade-?offs?|pros and cons)\b|^[ \t]*(?:\d+[.)]|[-*])[ \t]+/gim;
const DOMAIN =
  /\b(?:theorem|lemma|integral|derivative|eigen\w*|matrix|probability|variance|regression|gradient|algorithm|complexity|asymptotic|recursion|concurren\w*|distributed|latency|kernel|compiler|protocol|cryptograph\w*|quantum|thermodynamic\w*|enzyme|molecul\w*|genom\w*|clinical|diagnos\w*|pharmac\w*|statute|liabilit\w*|contract|jurisdiction|tort|plaintiff|amortiz\w*|derivatives?|equity|arbitrage|valuation|econometric\w*|hypothesis|differential|topolog\w*|polynomial|optimi[sz]\w*)\b/gi;
const NUMBER = /\d+(?:[.,]\d+)*/g;

// Weights of the logistic blend (see docs/learned-routing.md for what each feature counts).
const BIAS = -3.2;
const WEIGHTS: Record<ComplexityFeature, number> = {
  length: 1.0,
  questions: 0.5,
  code: 1.0,
  structured_output: 0.7,
  multi_step: 0.9,
  domain_terms: 1.0,
  numbers: 0.2,
  turns: 0.4,
};

/** Words, counted without building an array. */
function countWords(text: string): number {
  let words = 0;
  let inWord = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const space = code === 32 || code === 10 || code === 9 || code === 13;
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

/** `turns`: messages in the conversation so far (1 for a single prompt). */
export function measureComplexity(text: string, turns = 1): Complexity {
  const scanned = text.length > SCAN_LIMIT ? text.slice(0, SCAN_LIMIT) : text;
  const wordsInScan = countWords(scanned);
  const words = text.length > SCAN_LIMIT ? Math.round((wordsInScan * text.length) / SCAN_LIMIT) : wordsInScan;
  const features: Record<ComplexityFeature, number> = {
    // Length in units of ~a sentence, so that short prompts sit near zero.
    length: Math.log1p(words / 15),
    questions: Math.log1p(countMatches(QUESTION, scanned)),
    code: Math.log1p(countMatches(CODE, scanned)),
    structured_output: Math.log1p(countMatches(STRUCTURED, scanned)),
    multi_step: Math.log1p(countMatches(MULTI_STEP, scanned)),
    domain_terms: Math.log1p(countMatches(DOMAIN, scanned)),
    numbers: Math.log1p(countMatches(NUMBER, scanned)),
    turns: Math.log1p(Math.max(0, turns - 1)),
  };
  let z = BIAS;
  for (const name of COMPLEXITY_FEATURES) z += WEIGHTS[name] * features[name];
  return { score: 1 / (1 + Math.exp(-z)), features };
}
