/**
 * A cache every gateway shares (Redis, `state/shared-cache.ts`) behind a signal's own LRU: the LLM
 * classifier's labels, the encoder's request embeddings. A read that fails is a miss; a write is best effort.
 */
export type SharedAnswers = {
  get(namespace: string, key: string): Promise<string | undefined>;
  set(namespace: string, key: string, value: string, ttlMs: number): void;
};
