import { fnv, mix } from './text-features.js';

/**
 * The built-in encoder for routes with `examples`: needs no network, no download and no model
 * file, so example routes work offline on a fresh machine, deterministically, in microseconds.
 *
 * It is lexical, not a neural model: it sees shared words, word pairs and word pieces, weighted
 * by how rare they are among the router's examples. It knows nothing of synonyms ("tale" and
 * "story" share nothing) or meaning beyond the surface; an embeddings model of the catalog does
 * better where that matters.
 */
export const LOCAL_ENCODER_ID = 'local-lexical-v1';

/**
 * Hash buckets of a vector (a power of two): 16 KB per stored example. Half as many lost about one
 * point of accuracy to collisions on the labelled set (examples/embedding-routes/labeled.jsonl).
 */
const DIMENSIONS = 4_096;
/** Only the start of a long prompt is read: a huge paste costs bounded time. */
const MAX_CHARS = 16_384;
const MAX_WORDS = 2_000;
const WORD = /[\p{L}\p{N}]+/gu;

/**
 * The namespaces of features and their weight in the blend. `words`: stemmed words, the most
 * telling. `pairs`: adjacent words, for phrasing ("short story", "what is"). `chars`: 3- and
 * 4-letter pieces of words, for morphology the stemmer misses ("parse"/"parser") and for other
 * languages. `shape`: symbols and numbers, which mark code and maths.
 *
 * There is no stopword list: the IDF fitted on the router's own examples already weighs down the
 * words they all share, and function words say what is asked ("what is", "how do I", "write a").
 * Down-weighting a fixed English list (to 0.6, 0.3) cost 3 to 5 points of accuracy on the labelled set.
 */
const NAMESPACES = ['words', 'pairs', 'chars', 'shape'] as const;
type Namespace = (typeof NAMESPACES)[number];
const WEIGHTS: Record<Namespace, number> = { words: 1, pairs: 0.6, chars: 0.6, shape: 0.6 };
const CHAR_SIZES = [3, 4] as const;

const WORD_SEED = 0x5bd1e995;
const PAIR_SEED = 0x27d4eb2f;
const CHAR_SEED = 0x165667b1;
const SHAPE_SEED = 0x846ca68b;
const SYMBOL = /[^\p{L}\p{N}\s]/gu;

/**
 * A light English suffix stripper (a small part of Porter's step 1, plus -er/-ly and a final -e),
 * so "sorts", "sorting" and "sorted" are one word. Non-ASCII and short words are left alone: the
 * rules are English, and the word pieces cover the rest.
 */
export function stem(word: string): string {
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return word;
  let stemmed = word;
  if (stemmed.endsWith('ies') && stemmed.length > 4) stemmed = `${stemmed.slice(0, -3)}y`;
  else if (stemmed.endsWith('sses')) stemmed = stemmed.slice(0, -2);
  else if (stemmed.endsWith('s') && !/(?:ss|us|is)$/.test(stemmed)) stemmed = stemmed.slice(0, -1);
  const cut = /(?:ing|ed|er|ly)$/.exec(stemmed);
  // Porter's guard: what remains must still look like a word ("string" is not "str" + "ing").
  if (cut !== null && !stemmed.endsWith('eed')) {
    const rest = stemmed.slice(0, cut.index);
    if (rest.length >= 3 && /[aeiouy]/.test(rest)) stemmed = undouble(rest);
  }
  if (stemmed.endsWith('e') && stemmed.length > 3) stemmed = stemmed.slice(0, -1);
  return stemmed;
}

/** "running" → "runn" → "run"; but "fall", "pass", "buzz" keep their pair. */
function undouble(word: string): string {
  const last = word[word.length - 1];
  return last !== undefined && last === word[word.length - 2] && !/[aeioulsz]/.test(last) ? word.slice(0, -1) : word;
}

/** One prompt's features: per namespace, a count per feature key (a 32-bit hash, seeded per namespace). */
type Features = Record<Namespace, Map<number, number>>;

function increment(counts: Map<number, number>, key: number): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function extract(text: string): Features {
  const features: Features = { words: new Map(), pairs: new Map(), chars: new Map(), shape: new Map() };
  const lower = (text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text).toLowerCase();
  WORD.lastIndex = 0;
  let previous: number | undefined;
  let seen = 0;
  let end = 0;
  for (let match = WORD.exec(lower); match !== null && seen < MAX_WORDS; match = WORD.exec(lower)) {
    const word = match[0];
    end = match.index + word.length;
    const hash = fnv(stem(word), WORD_SEED);
    increment(features.words, hash);
    if (previous !== undefined) increment(features.pairs, (Math.imul(previous ^ PAIR_SEED, 0x01000193) ^ hash) >>> 0);
    previous = hash;
    seen++;
    if (/\d/.test(word)) increment(features.shape, fnv(/^\d+$/.test(word) ? '0' : 'a0', SHAPE_SEED));
    const padded = ` ${word} `;
    for (const size of CHAR_SIZES) {
      for (let start = 0; start + size <= padded.length; start++) increment(features.chars, fnv(padded.slice(start, start + size), CHAR_SEED));
    }
  }
  // Without a word there is nothing to route on: "?!" alone must not look like a question.
  if (seen === 0) return features;
  // Symbols are read as far as the words were: past the word bound, nothing is.
  const read = seen < MAX_WORDS ? lower : lower.slice(0, end);
  SYMBOL.lastIndex = 0;
  for (let match = SYMBOL.exec(read); match !== null; match = SYMBOL.exec(read)) increment(features.shape, fnv(match[0], SHAPE_SEED));
  return features;
}

export class LocalEncoder {
  readonly dimensions = DIMENSIONS;

  private constructor(
    /** Inverse document frequency per feature key seen in the corpus. */
    private readonly idf: ReadonlyMap<number, number>,
    /** The weight of a feature no document had: the rarest there is. */
    private readonly unseenIdf: number,
  ) {}

  /** Fits the term weights (IDF) on a corpus: the examples of every route of one router. */
  static fit(corpus: readonly string[]): LocalEncoder {
    const documentFrequency = new Map<number, number>();
    for (const document of corpus) {
      const features = extract(document);
      for (const namespace of NAMESPACES) {
        for (const key of features[namespace].keys()) increment(documentFrequency, key);
      }
    }
    // Smoothed IDF (as scikit-learn's): never zero, so a word every example shares still counts a little.
    const idfOf = (frequency: number): number => Math.log((1 + corpus.length) / (1 + frequency)) + 1;
    const idf = new Map<number, number>();
    for (const [key, frequency] of documentFrequency) idf.set(key, idfOf(frequency));
    return new LocalEncoder(idf, idfOf(0));
  }

  /** L2-normalised dense vector (Float32Array of length `dimensions`); all-zero only for text without any word. */
  embed(text: string): Float32Array {
    const features = extract(text);
    const sum = new Float64Array(DIMENSIONS);
    for (const namespace of NAMESPACES) this.add(sum, features[namespace], WEIGHTS[namespace]);
    let norm = 0;
    for (const value of sum) norm += value * value;
    const out = new Float32Array(DIMENSIONS);
    if (norm === 0) return out;
    const scale = 1 / Math.sqrt(norm);
    for (let index = 0; index < DIMENSIONS; index++) out[index] = (sum[index] as number) * scale;
    return out;
  }

  private weigh(key: number, count: number): number {
    return (1 + Math.log(count)) * (this.idf.get(key) ?? this.unseenIdf);
  }

  /**
   * Adds one namespace, L2-normalised then scaled by `weight`, so a long prompt's many word pieces
   * do not drown its few words. Counts are log-damped: repeating a word is not saying it louder.
   */
  private add(sum: Float64Array, counts: ReadonlyMap<number, number>, weight: number): void {
    let norm = 0;
    for (const [key, count] of counts) norm += this.weigh(key, count) ** 2;
    if (norm === 0) return;
    const scale = weight / Math.sqrt(norm);
    for (const [key, count] of counts) {
      const value = this.weigh(key, count);
      // Signed hashing: colliding features cancel on average instead of piling up in a bucket.
      const mixed = mix(key);
      const bucket = mixed & (DIMENSIONS - 1);
      sum[bucket] = (sum[bucket] as number) + (mixed & 0x80000000 ? -value : value) * scale;
    }
  }
}

/** Cosine similarity of two vectors from `embed` (already normalised, so their dot product). */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`vectors of different lengths: ${a.length} and ${b.length}`);
  let dot = 0;
  for (let index = 0; index < a.length; index++) dot += (a[index] as number) * (b[index] as number);
  return dot;
}
