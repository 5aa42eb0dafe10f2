/**
 * One entry of the built-in catalog, in the same snake_case shape as a `models:` entry of
 * `switchyard.yaml`, so a config entry can override any field of it by plain merging.
 */
export type BuiltinModelEntry = {
  /** Default provider name: the `providers:` key a config usually gives this vendor. */
  provider: string;
  /** Model id on the provider's wire. */
  model: string;
  /** USD per 1M tokens. `cached_input`: cache reads; `cache_write`: cache creation (where billed apart); `cache_write_1h`: creation that holds an hour. */
  price: { input: number; cached_input?: number; cache_write?: number; cache_write_1h?: number; output: number };
  context_window: number;
  /** Absent for embedding models (they write no tokens). */
  max_output?: number;
  capabilities: {
    tools: boolean;
    json_schema: boolean;
    vision: boolean;
    streaming: boolean;
    reasoning: boolean;
    /** OpenAI's built-in Responses tools (web search, file search, ...); absent: unknown. */
    builtin_tools?: boolean;
  };
  /** Embedding models only: the length of their vectors. They serve `/v1/embeddings`; chat routing never picks them. */
  embedding?: { dimensions: number };
  /** Moderation models only (`/v1/moderations`): a router's `guard: { type: moderation }` calls them; chat routing never picks them. */
  moderation?: true;
  /** `responses`: OpenAI serves it through the Responses API only (absent: Chat Completions, or the vendor's own API). */
  api?: 'responses';
};
