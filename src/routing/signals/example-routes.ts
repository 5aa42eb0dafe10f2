import { createHash } from 'node:crypto';
import type { EncoderSpec } from '../router-spec.js';
import { StartupError } from '../../errors/startup-error.js';
import { LOCAL_ENCODER_ID, LocalEncoder } from '../../features/local-encoder.js';
import type { Similarity } from '../../spec/decision.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { Attempt } from '../../spec/trace.js';
import { LruCache } from '../../util/lru-cache.js';
import type { SignalModels } from '../signal-models.js';
import { EmbeddingCache } from './embedding-cache.js';
import type { SharedAnswers } from './shared-answers.js';

/** A route defined (in part) by example prompts. */
export type ExampleRoute = { route: string; examples: readonly string[]; threshold: number | undefined };

/**
 * Thresholds when a route sets none: cosine similarity of the best example. The local encoder's
 * scale is lexical overlap (unrelated prompts score near 0); embeddings models put unrelated
 * prompts around 0.1–0.3. `switchyard fit-routes` measures better ones from labelled prompts.
 */
export const DEFAULT_THRESHOLDS = { local: 0.15, model: 0.5 } as const;

/** Only the start of a long prompt is embedded by a model: embeddings endpoints cap their input. */
const MODEL_MAX_CHARS = 8_000;

/** The route whose examples are most similar to the request, among those that reach their threshold. */
export type BestExample = { route: string; score: number; example: string };

export type SimilarityResult = { similarity: Similarity; best: BestExample | undefined; attempts: Attempt[] };

type StoredExample = { route: string; example: string; vector: Float32Array };

/**
 * Embeds a router's example prompts once (at startup; from a disk cache for a model encoder) and
 * compares each request with them: a route's score is the similarity of its closest example.
 */
export class ExampleRoutes {
  private stored: StoredExample[] = [];
  private readonly thresholds = new Map<string, number>();
  private readonly local: LocalEncoder | undefined;
  private readonly requestCache: LruCache<Float32Array> | undefined;
  /** Request embeddings other gateways got (model encoder, shared state), under `namespace`. */
  private readonly shared: { answers: SharedAnswers; namespace: string; ttlMs: number } | undefined;
  /** Why examples are not embedded yet (a model encoder before `prepare`, or a failed `prepare`). */
  private unavailable: string | undefined;
  readonly encoderName: string;

  constructor(
    readonly routes: readonly ExampleRoute[],
    private readonly encoder: EncoderSpec,
    private readonly encoderModel: ModelSpec | undefined,
    shared?: SharedAnswers,
  ) {
    const fallback = encoder.type === 'local' ? DEFAULT_THRESHOLDS.local : DEFAULT_THRESHOLDS.model;
    for (const route of routes) this.thresholds.set(route.route, route.threshold ?? fallback);
    if (encoder.type === 'local') {
      this.encoderName = LOCAL_ENCODER_ID;
      const local = LocalEncoder.fit(routes.flatMap((route) => route.examples));
      this.local = local;
      this.stored = routes.flatMap((route) => route.examples.map((example) => ({ route: route.route, example, vector: local.embed(example) })));
    } else {
      this.encoderName = encoder.model;
      this.requestCache = new LruCache(encoder.cache.size, encoder.cache.ttlMs);
      this.unavailable = 'the examples have not been embedded yet';
      if (shared && encoderModel && encoder.cache.size > 0 && encoder.cache.ttlMs > 0) {
        const namespace = createHash('sha256').update(`embedding\0${encoderModel.provider}\0${encoderModel.wireModel}`).digest('hex').slice(0, 16);
        this.shared = { answers: shared, namespace, ttlMs: encoder.cache.ttlMs };
      }
    }
  }

  /** Example routes stop matching, and every Decision says why (the encoder cannot be used). */
  disable(why: string): void {
    this.unavailable = why;
  }

  /** True when comparing needs an embeddings model call (offline replays cannot make one). */
  get needsModel(): boolean {
    return this.encoder.type === 'model';
  }

  threshold(route: string): number {
    return this.thresholds.get(route) ?? DEFAULT_THRESHOLDS.local;
  }

  /**
   * Embeds the examples with the encoder model, reading and filling the disk cache. Throws when
   * the model cannot embed them: example routes without vectors would silently never match.
   */
  async prepare(models: SignalModels, cache: EmbeddingCache, signal: AbortSignal): Promise<{ attempts: Attempt[]; warning: string | undefined }> {
    if (this.encoder.type !== 'model' || !this.encoderModel) return { attempts: [], warning: undefined };
    const deployment = `${this.encoderModel.provider}\0${this.encoderModel.wireModel}`;
    const all = this.routes.flatMap((route) => route.examples.map((example) => ({ route: route.route, example, key: EmbeddingCache.key(deployment, example) })));
    const missing = [...new Map(all.filter((item) => !cache.get(item.key)).map((item) => [item.key, item])).values()];
    const attempts: Attempt[] = [];
    const added: { key: string; vector: Float32Array }[] = [];
    // Embeddings endpoints take batches; 256 inputs stays under every provider's cap.
    for (let start = 0; start < missing.length; start += 256) {
      const batch = missing.slice(start, start + 256);
      const call = await models.embed(this.encoder.model, batch.map((item) => item.example.slice(0, MODEL_MAX_CHARS)), signal);
      attempts.push(...call.attempts);
      if (!call.ok) throw new StartupError(`could not embed the examples with "${this.encoder.model}": ${call.error.message}`, call.error);
      batch.forEach((item, index) => added.push({ key: item.key, vector: call.value[index] as Float32Array }));
    }
    const warning = cache.add(added);
    this.stored = all.map((item) => ({ route: item.route, example: item.example, vector: cache.get(item.key) as Float32Array }));
    const dimensions = new Set(this.stored.map((item) => item.vector.length));
    if (dimensions.size > 1) throw new StartupError(`the embedding cache ${cache.path} holds vectors of different lengths for "${this.encoder.model}"; delete it`);
    this.unavailable = undefined;
    return { attempts, warning };
  }

  /** Similarity of the request to every example route; a model encoder's call is bounded by its timeout. */
  async score(text: string, models: SignalModels | undefined, signal: AbortSignal): Promise<SimilarityResult> {
    if (this.local) return this.rank(this.local.embed(text), 'ok', []);
    const failed = (outcome: 'timeout' | 'error', detail: string, attempts: Attempt[]): SimilarityResult => ({
      similarity: { encoder: this.encoderName, outcome, scores: {}, detail },
      best: undefined,
      attempts,
    });
    if (this.unavailable !== undefined) return failed('error', this.unavailable, []);
    if (this.encoder.type !== 'model' || !models) return failed('error', 'this router needs its embeddings model, and no model can be called here', []);
    const input = text.slice(0, MODEL_MAX_CHARS);
    const cached = this.requestCache?.get(input) ?? (this.shared && (await this.sharedVector(this.shared, input)));
    if (cached) return this.rank(cached, 'cached', []);
    const timeout = AbortSignal.timeout(this.encoder.timeoutMs);
    const call = await models.embed(this.encoder.model, [input], AbortSignal.any([signal, timeout]));
    if (!call.ok) {
      if (timeout.aborted && !signal.aborted) return failed('timeout', `no embedding within ${this.encoder.timeoutMs} ms`, call.attempts);
      return failed('error', call.error.message, call.attempts);
    }
    const vector = call.value[0] as Float32Array;
    if (vector.length !== this.stored[0]?.vector.length) {
      return failed('error', `the request's embedding has ${vector.length} dimensions, the examples' ${this.stored[0]?.vector.length ?? 0}`, call.attempts);
    }
    this.requestCache?.set(input, vector);
    this.shared?.answers.set(this.shared.namespace, input, Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64'), this.shared.ttlMs);
    return this.rank(vector, 'ok', call.attempts);
  }

  /** Another gateway's embedding of the same text, if it has the examples' length (kept here too). */
  private async sharedVector(shared: NonNullable<ExampleRoutes['shared']>, input: string): Promise<Float32Array | undefined> {
    const stored = await shared.answers.get(shared.namespace, input);
    if (stored === undefined) return undefined;
    const bytes = Buffer.from(stored, 'base64');
    if (bytes.byteLength % 4 !== 0 || bytes.byteLength / 4 !== this.stored[0]?.vector.length) return undefined;
    // A copy: the Buffer's memory may be a slice of a shared pool, not aligned for floats.
    const vector = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(vector.buffer).set(bytes);
    this.requestCache?.set(input, vector);
    return vector;
  }

  private rank(vector: Float32Array, outcome: 'ok' | 'cached', attempts: Attempt[]): SimilarityResult {
    // The local encoder's vectors are mostly zeros: dotting only the request's non-zero entries is
    // the same cosine (both are unit vectors) at a fraction of the cost per example.
    const nonZero: number[] = [];
    for (let index = 0; index < vector.length; index++) if (vector[index] !== 0) nonZero.push(index);
    const bestOf = new Map<string, { score: number; example: string }>();
    for (const item of this.stored) {
      const score = sparseDot(vector, nonZero, item.vector);
      const current = bestOf.get(item.route);
      if (!current || score > current.score) bestOf.set(item.route, { score, example: item.example });
    }
    const scores: Record<string, number> = {};
    let best: BestExample | undefined;
    for (const { route } of this.routes) {
      const found = bestOf.get(route);
      if (!found) continue;
      const score = Math.round(found.score * 10_000) / 10_000;
      scores[route] = score;
      if (score >= this.threshold(route) && (!best || score > best.score)) best = { route, score, example: found.example };
    }
    return { similarity: { encoder: this.encoderName, outcome, scores }, best, attempts };
  }
}

function sparseDot(vector: Float32Array, nonZero: readonly number[], other: Float32Array): number {
  let sum = 0;
  for (const index of nonZero) sum += (vector[index] as number) * (other[index] as number);
  return sum;
}
