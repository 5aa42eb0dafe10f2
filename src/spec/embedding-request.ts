/** The inputs of an embeddings request, one vector each, in order: texts, or texts already tokenized (token ids). */
export type EmbeddingInput = { type: 'text'; texts: readonly string[] } | { type: 'tokens'; tokens: readonly (readonly number[])[] };

/** An embeddings request as the gateway takes it (`gateway.embed`, `POST /v1/embeddings`). */
export type EmbeddingRequest = {
  /** An embedding model's name, or a router whose targets are embedding models. */
  model: string;
  input: EmbeddingInput;
  /** Vectors of this length (models that can shorten theirs); absent: the serving model's own. */
  dimensions: number | undefined;
  /** The end user's id, passed to upstreams that take one. */
  user: string | undefined;
};
