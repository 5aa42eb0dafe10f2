import { DENSE_FEATURES, denseFeatures } from './text-statistics.js';

/**
 * How a prompt becomes a feature vector; stored in a trained router's file, so the gateway
 * computes exactly the features the router was trained on.
 */
export type FeatureSpec = {
  /** Hash buckets for the sparse text features (a power of two). */
  dimensions: number;
  /** Word n-grams up to this length (1 = words, 2 = words and pairs). */
  wordNgrams: number;
  /** Character n-grams inside words (padded with a space), or none. */
  charNgrams: { min: number; max: number } | undefined;
  /**
   * The dense text statistics, appended after the hashed buckets: standardised with the training
   * set's `mean` and `std`, then multiplied by `scale`. Undefined leaves them out.
   */
  dense: { scale: number; mean: readonly number[]; std: readonly number[] } | undefined;
};

export type SparseVector = { indices: Int32Array; values: Float64Array };

/** Words beyond this are not featurised: bounds the time a long paste can cost on the request path. */
const MAX_WORDS = 2_000;
const WORD = /[\p{L}\p{N}]+/gu;

/** Length of a weight vector for a spec: the hashed buckets, then the dense complexity features. */
export function featureLength(spec: FeatureSpec): number {
  return spec.dimensions + (spec.dense ? DENSE_FEATURES.length : 0);
}

/** FNV-1a of a string, continuing from `seed`. */
export function fnv(text: string, seed: number): number {
  let hash = seed;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 16777619);
  }
  return hash >>> 0;
}

/** murmur3's finaliser: spreads FNV's weak low bits before masking to a bucket. */
export function mix(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

const WORD_SEED = 2166136261;
const PAIR_SEED = 0x9747b28c;
const CHAR_SEED = 0x1b873593;

/**
 * One namespace of hashed counts: signed hashing (collisions cancel instead of piling up),
 * log1p-damped, L2-normalised so that every namespace weighs the same whatever the length.
 */
class Namespace {
  readonly counts = new Map<number, number>();
  constructor(private readonly mask: number) {}

  add(hash: number): void {
    const mixed = mix(hash);
    const bucket = mixed & this.mask;
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + (mixed & 0x80000000 ? -1 : 1));
  }

  into(out: Map<number, number>): void {
    let norm = 0;
    for (const [bucket, count] of this.counts) {
      const damped = Math.sign(count) * Math.log1p(Math.abs(count));
      this.counts.set(bucket, damped);
      norm += damped * damped;
    }
    if (norm === 0) return;
    const scale = 1 / Math.sqrt(norm);
    for (const [bucket, value] of this.counts) out.set(bucket, (out.get(bucket) ?? 0) + value * scale);
  }
}

/** The feature vector of a prompt (`turns`: messages in the conversation, a complexity feature). */
export function extractFeatures(text: string, spec: FeatureSpec, turns = 1): SparseVector {
  const mask = spec.dimensions - 1;
  const words = new Namespace(mask);
  const pairs = new Namespace(mask);
  const chars = new Namespace(mask);
  const lower = text.toLowerCase();
  WORD.lastIndex = 0;
  let previous: number | undefined;
  let match: RegExpExecArray | null;
  let seen = 0;
  while ((match = WORD.exec(lower)) !== null && seen++ < MAX_WORDS) {
    const word = match[0];
    const hash = fnv(word, WORD_SEED);
    words.add(hash);
    if (spec.wordNgrams >= 2 && previous !== undefined) pairs.add(Math.imul(previous ^ PAIR_SEED, 0x01000193) ^ hash);
    previous = hash;
    if (spec.charNgrams) {
      const padded = ` ${word} `;
      for (let size = spec.charNgrams.min; size <= spec.charNgrams.max; size++) {
        for (let start = 0; start + size <= padded.length; start++) chars.add(fnv(padded.slice(start, start + size), CHAR_SEED));
      }
    }
  }
  const merged = new Map<number, number>();
  words.into(merged);
  pairs.into(merged);
  chars.into(merged);
  if (spec.dense) {
    const { scale, mean, std } = spec.dense;
    const raw = denseFeatures(text, turns);
    for (let offset = 0; offset < raw.length; offset++) {
      merged.set(spec.dimensions + offset, (((raw[offset] as number) - (mean[offset] ?? 0)) / (std[offset] || 1)) * scale);
    }
  }
  const indices = new Int32Array(merged.size);
  const values = new Float64Array(merged.size);
  let index = 0;
  for (const [bucket, value] of merged) {
    indices[index] = bucket;
    values[index++] = value;
  }
  return { indices, values };
}
