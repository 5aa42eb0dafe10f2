import { COMPLEXITY_FEATURES, measureComplexity } from './complexity.js';
import { countMatches as count, SCAN_LIMIT } from './count-matches.js';

/**
 * Dense text statistics for trained routers: the complexity features plus counts that tell how
 * much reasoning a prompt asks for (numbers, steps, comparisons, units). Standardised with the
 * training set's mean and deviation before use, so their raw scales do not matter.
 */

/** What several statistics need, computed once per prompt. */
type Scan = { words: number; numbers: readonly string[] };

const STATISTICS: readonly [string, (text: string, scan: Scan) => number][] = [
  ['log_chars', (text) => Math.log1p(text.length)],
  ['log_sentences', (text) => Math.log1p(count(/[.!?](?:\s|$)/g, text))],
  ['log_distinct_numbers', (_, { numbers }) => Math.log1p(new Set(numbers).size)],
  ['max_number_digits', (_, { numbers }) => Math.min(12, Math.max(0, ...numbers.map((n) => n.replace(/\D/g, '').length)))],
  ['log_decimals', (text) => Math.log1p(count(/\d\.\d/g, text))],
  ['log_fractions', (text) => Math.log1p(count(/\d+\/\d+|%|\bpercent|\bhalf\b|\bthirds?\b|\bquarters?\b|\bfifths?\b/gi, text))],
  ['log_currency', (text) => Math.log1p(count(/[$€£¥]/g, text))],
  ['log_multipliers', (text) => Math.log1p(count(/\b(?:times|twice|each|every|per|double|triple|thrice)\b/gi, text))],
  ['log_sequence_words', (text) => Math.log1p(count(/\b(?:then|after|before|later|remaining|rest|left|remainder|next|until|again)\b/gi, text))],
  ['chars_per_word', (text, { words }) => Math.min(30, text.replace(/\s/g, '').length / Math.max(1, words))],
  ['digit_share', (text) => count(/\d/g, text) / Math.max(1, text.length)],
  ['log_newlines', (text) => Math.log1p(count(/\n/g, text))],
  ['log_time_units', (text) => Math.log1p(count(/\b(?:hours?|minutes?|seconds?|days?|weeks?|months?|years?)\b/gi, text))],
  ['log_comparisons', (text) => Math.log1p(count(/\b(?:more|less|fewer|than|difference|increase|decrease)\b/gi, text))],
  ['log_long_numbers', (text) => Math.log1p(count(/\d{4,}/g, text))],
  ['log_commas', (text) => Math.log1p(count(/,/g, text))],
  ['log_capitalised', (text) => Math.log1p(count(/\b[A-Z][a-z]+/g, text))],
];

export const DENSE_FEATURES: readonly string[] = [...COMPLEXITY_FEATURES, ...STATISTICS.map(([name]) => name)];

/** The dense features of a prompt, in `DENSE_FEATURES` order; bounded work for long prompts. */
export function denseFeatures(text: string, turns: number): Float64Array {
  const scanned = text.length > SCAN_LIMIT ? text.slice(0, SCAN_LIMIT) : text;
  const out = new Float64Array(DENSE_FEATURES.length);
  const { features } = measureComplexity(text, turns);
  let at = 0;
  for (const name of COMPLEXITY_FEATURES) out[at++] = features[name];
  const scan: Scan = { words: count(/\S+/g, scanned), numbers: scanned.match(/\d+(?:[.,]\d+)*/g) ?? [] };
  for (const [, measure] of STATISTICS) out[at++] = measure(scanned, scan);
  return out;
}
