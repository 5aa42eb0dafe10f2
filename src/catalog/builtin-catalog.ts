/**
 * The built-in model catalog: list prices, context limits and capabilities of widely used chat
 * models, so a `switchyard.yaml` can name a model without spelling out its facts.
 *
 * Where the facts come from
 * -------------------------
 * Unless a comment on an entry says otherwise, every number and flag below is copied from the
 * LiteLLM price table `model_prices_and_context_window.json` in BerriAI/litellm at commit
 * 00035b69f416be24e2e323c13198d9b7d2d1bdf9, read on 2026-11-22. That snapshot was taken between
 * 2026-07-09 (it lists GPT-5.6) and 2026-07-30 (it still has the GPT-5.6 Terra/Luna prices from
 * before OpenAI's cut of that day), so prices changed since mid-2026 are not in it; the few we
 * know of are corrected below, each with its source.
 *
 * - Prices are list prices (standard tier, no batch/flex/priority, no regional uplift) in USD per
 *   1M tokens: LiteLLM's per-token USD figures times 1e6. `cached_input` is the cache-read (cache
 *   hit) price, `cache_write` the cache-creation price (Anthropic: 5-minute TTL write).
 * - Where a vendor charges more above a prompt-size threshold, the base tier is given and the
 *   higher tier is named in a comment.
 * - `context_window` is LiteLLM's `max_input_tokens`, `max_output` its `max_output_tokens`.
 * - Capabilities: `tools` = supports_function_calling, `json_schema` = supports_response_schema
 *   (structured outputs), `vision` = supports_vision, `reasoning` = supports_reasoning; a flag
 *   LiteLLM omits counts as false. `streaming` is true for all of these chat models.
 *
 * Models were left out when the snapshot marks them retired before the read date (e.g.
 * claude-opus-4-1, retired 2026-08-05), or when the vendor has retired the id (deepseek-chat and
 * deepseek-reasoner were retired 2026-07-24 in favour of deepseek-v4-flash / deepseek-v4-pro).
 * Models OpenAI serves through its Responses API only (o3-pro, gpt-5.5-pro, the *-codex models)
 * are listed with `api: 'responses'`; older snapshots and pro models of the same family are not.
 *
 * Keys: first-party models use the vendor's own id (`gpt-4o-mini`); models served by Groq,
 * Together or OpenRouter use `<vendor>/<wire id>` (`groq/llama-3.3-70b-versatile`), and `model`
 * is always the exact id to send on the wire.
 */
import type { BuiltinModelEntry } from './builtin-model-entry.js';

export const BUILTIN_CATALOG_SOURCE = {
  retrieved: '2026-11-22',
  sources: [
    'BerriAI/litellm@00035b69f416be24e2e323c13198d9b7d2d1bdf9 model_prices_and_context_window.json',
    'https://platform.openai.com/docs/pricing',
    'https://platform.claude.com/docs/en/about-claude/pricing',
    'https://docs.anthropic.com/en/api/openai-sdk (OpenAI-compatible endpoint: response_format is ignored)',
    'https://ai.google.dev/gemini-api/docs/pricing',
    'https://api-docs.deepseek.com/quick_start/pricing',
    'https://groq.com/pricing',
    'https://www.together.ai/pricing',
    'https://openrouter.ai/models',
    // GPT-5.6 Terra/Luna price cut of 2026-07-30 (not yet in the LiteLLM snapshot):
    'https://docs.laozhang.ai/en/announcements/gpt-5-6-pricing-2026-07',
    'https://docs.apiyi.com/live/2026-07/gpt-5-6-terra-luna-price-cut',
    // Context length of Together's Llama-3.3-70B-Instruct-Turbo (absent from the LiteLLM snapshot):
    'BudEcosystem/bud-connect scripts/model_docs_workflow/raw_docs/together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo.md',
  ],
} as const;

export const BUILTIN_MODELS = {
  // ---------------------------------------------------------------------------------------------
  // OpenAI (api.openai.com). Pricing: https://platform.openai.com/docs/pricing
  // Cross-checked: gpt-5.5 / gpt-5.4-mini match the June 2026 table of the pricing page as quoted
  // at https://www.morphllm.com/openai-api-pricing.
  // ---------------------------------------------------------------------------------------------

  // GPT-5.6 Sol (`gpt-5.6` is an alias of it). Above 272k input tokens: $10 in / $1 cached / $45 out.
  'gpt-5.6-sol': {
    provider: 'openai',
    model: 'gpt-5.6-sol',
    price: { input: 5, cached_input: 0.5, cache_write: 6.25, output: 30 },
    context_window: 1050000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  // Price: OpenAI cut Terra by 20% on 2026-07-30 (LiteLLM snapshot still has $2.50 / $0.25 / $15);
  // sources: docs.laozhang.ai and docs.apiyi.com announcements (see BUILTIN_CATALOG_SOURCE); also
  // consistent with OpenRouter's `openai/gpt-5.6-terra:batch` at $1 / $6 (= 50% batch discount).
  // Above 272k input tokens: $4 in / $18 out. Cache-write price after the cut is unconfirmed, so
  // it is omitted (the snapshot listed 1.25x input before the cut). Limits/flags: LiteLLM.
  'gpt-5.6-terra': {
    provider: 'openai',
    model: 'gpt-5.6-terra',
    price: { input: 2, cached_input: 0.2, output: 12 },
    context_window: 1050000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  // Price: OpenAI cut Luna by 80% on 2026-07-30 (LiteLLM snapshot still has $1 / $0.10 / $6);
  // same sources as Terra. Above 272k input tokens: $0.40 in / $1.80 out. Cache-write price after
  // the cut is unconfirmed, so it is omitted. Limits/flags: LiteLLM.
  'gpt-5.6-luna': {
    provider: 'openai',
    model: 'gpt-5.6-luna',
    price: { input: 0.2, cached_input: 0.02, output: 1.2 },
    context_window: 1050000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  // Above 272k input tokens: $10 in / $1 cached / $45 out.
  'gpt-5.5': {
    provider: 'openai',
    model: 'gpt-5.5',
    price: { input: 5, cached_input: 0.5, output: 30 },
    context_window: 1050000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  'gpt-5.4-mini': {
    provider: 'openai',
    model: 'gpt-5.4-mini',
    price: { input: 0.75, cached_input: 0.075, output: 4.5 },
    context_window: 1050000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  'gpt-5': {
    provider: 'openai',
    model: 'gpt-5',
    price: { input: 1.25, cached_input: 0.125, output: 10 },
    context_window: 272000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  'gpt-5-mini': {
    provider: 'openai',
    model: 'gpt-5-mini',
    price: { input: 0.25, cached_input: 0.025, output: 2 },
    context_window: 272000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  'gpt-5-nano': {
    provider: 'openai',
    model: 'gpt-5-nano',
    price: { input: 0.05, cached_input: 0.005, output: 0.4 },
    context_window: 272000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  'gpt-4.1': {
    provider: 'openai',
    model: 'gpt-4.1',
    price: { input: 2, cached_input: 0.5, output: 8 },
    context_window: 1047576,
    max_output: 32768,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: false },
  },
  'gpt-4.1-mini': {
    provider: 'openai',
    model: 'gpt-4.1-mini',
    price: { input: 0.4, cached_input: 0.1, output: 1.6 },
    context_window: 1047576,
    max_output: 32768,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: false },
  },
  'gpt-4.1-nano': {
    provider: 'openai',
    model: 'gpt-4.1-nano',
    price: { input: 0.1, cached_input: 0.025, output: 0.4 },
    context_window: 1047576,
    max_output: 32768,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: false },
  },
  'gpt-4o': {
    provider: 'openai',
    model: 'gpt-4o',
    price: { input: 2.5, cached_input: 1.25, output: 10 },
    context_window: 128000,
    max_output: 16384,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: false },
  },
  'gpt-4o-mini': {
    provider: 'openai',
    model: 'gpt-4o-mini',
    price: { input: 0.15, cached_input: 0.075, output: 0.6 },
    context_window: 128000,
    max_output: 16384,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: false },
  },
  o3: {
    provider: 'openai',
    model: 'o3',
    price: { input: 2, cached_input: 0.5, output: 8 },
    context_window: 200000,
    max_output: 100000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  'o4-mini': {
    provider: 'openai',
    model: 'o4-mini',
    price: { input: 1.1, cached_input: 0.275, output: 4.4 },
    context_window: 200000,
    max_output: 100000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },

  // Responses-only models (`api: 'responses'`): OpenAI serves them on `POST /v1/responses` alone
  // (LiteLLM's `mode: "responses"`, `supported_endpoints` without `/v1/chat/completions`). A
  // `type: openai` provider calls them through the Responses API by themselves, whatever its `api`.
  // No cache-read price for o3-pro (none on OpenAI's pricing page or in LiteLLM).
  // `streaming: false` for o3-pro: OpenAI's model page lists streaming as not supported, and LiteLLM
  // gives it no `supports_native_streaming`.
  'o3-pro': {
    provider: 'openai',
    model: 'o3-pro',
    price: { input: 20, output: 80 },
    context_window: 200000,
    max_output: 100000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: false, reasoning: true },
    api: 'responses',
  },
  // Above 272k input tokens: $60 in / $6 cached / $270 out. No structured outputs (LiteLLM: supports_response_schema false).
  'gpt-5.5-pro': {
    provider: 'openai',
    model: 'gpt-5.5-pro',
    price: { input: 30, cached_input: 3, output: 180 },
    context_window: 1050000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: false, vision: true, streaming: true, reasoning: true },
    api: 'responses',
  },
  'gpt-5-codex': {
    provider: 'openai',
    model: 'gpt-5-codex',
    price: { input: 1.25, cached_input: 0.125, output: 10 },
    context_window: 272000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
    api: 'responses',
  },
  'gpt-5.1-codex-mini': {
    provider: 'openai',
    model: 'gpt-5.1-codex-mini',
    price: { input: 0.25, cached_input: 0.025, output: 2 },
    context_window: 272000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
    api: 'responses',
  },
  'gpt-5.3-codex': {
    provider: 'openai',
    model: 'gpt-5.3-codex',
    price: { input: 1.75, cached_input: 0.175, output: 14 },
    context_window: 272000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
    api: 'responses',
  },
  // The Codex CLI's former default (a fine-tuned o4-mini); cache reads at 25% of input, not the usual 10%.
  'codex-mini-latest': {
    provider: 'openai',
    model: 'codex-mini-latest',
    price: { input: 1.5, cached_input: 0.375, output: 6 },
    context_window: 200000,
    max_output: 100000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
    api: 'responses',
  },

  // Embedding models (`/v1/embeddings`, never chat): `context_window` is the longest input (LiteLLM's
  // max_input_tokens), `embedding.dimensions` the vector length (its output_vector_size); they bill
  // input tokens only. text-embedding-3-* can return shorter vectors (`dimensions`); ada-002 cannot.
  'text-embedding-3-small': {
    provider: 'openai',
    model: 'text-embedding-3-small',
    price: { input: 0.02, output: 0 },
    context_window: 8191,
    capabilities: { tools: false, json_schema: false, vision: false, streaming: false, reasoning: false },
    embedding: { dimensions: 1536 },
  },
  'text-embedding-3-large': {
    provider: 'openai',
    model: 'text-embedding-3-large',
    price: { input: 0.13, output: 0 },
    context_window: 8191,
    capabilities: { tools: false, json_schema: false, vision: false, streaming: false, reasoning: false },
    embedding: { dimensions: 3072 },
  },
  'text-embedding-ada-002': {
    provider: 'openai',
    model: 'text-embedding-ada-002',
    price: { input: 0.1, output: 0 },
    context_window: 8191,
    capabilities: { tools: false, json_schema: false, vision: false, streaming: false, reasoning: false },
    embedding: { dimensions: 1536 },
  },

  // Moderation models (`/v1/moderations`, never chat): for a router's `guard: { type: moderation }`.
  // OpenAI does not charge for them (LiteLLM: mode "moderation", 0 per token, 32768 max input tokens),
  // and its moderations answer reports no usage.
  'omni-moderation-latest': {
    provider: 'openai',
    model: 'omni-moderation-latest',
    price: { input: 0, output: 0 },
    context_window: 32768,
    capabilities: { tools: false, json_schema: false, vision: false, streaming: false, reasoning: false },
    moderation: true,
  },

  // ---------------------------------------------------------------------------------------------
  // Anthropic, through its native Messages API (a `type: anthropic` provider, https://api.anthropic.com).
  // Pricing: https://platform.claude.com/docs/en/about-claude/pricing
  // `cache_write` is the 5-minute cache write (1.25x input; the 1-hour write is 2x input).
  // `json_schema` is true: the provider sends `response_format` json_schema as the Messages API's
  // structured outputs (`output_config.format`). Served through Anthropic's OpenAI-compatible
  // endpoint instead (a `type: openai` provider), these models ignore `response_format`
  // (https://docs.anthropic.com/en/api/openai-sdk) and get no prompt caching: set `json_schema: false` there.
  // Cross-checked: Sonnet 5 $2/$10 and Fable 5 $10/$50 against the docs.rs `synaps` pricing table,
  // which cites the Claude pricing page.
  // ---------------------------------------------------------------------------------------------

  'claude-haiku-4-5': {
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    price: { input: 1, cached_input: 0.1, cache_write: 1.25, cache_write_1h: 2, output: 5 },
    context_window: 200000,
    max_output: 64000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  // Above 200k input tokens (1M-context beta): $6 in / $0.60 cached / $7.50 cache write / $22.50 out.
  'claude-sonnet-4-5': {
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    price: { input: 3, cached_input: 0.3, cache_write: 3.75, cache_write_1h: 6, output: 15 },
    context_window: 200000,
    max_output: 64000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  'claude-sonnet-4-6': {
    provider: 'anthropic',
    model: 'claude-sonnet-4-6',
    price: { input: 3, cached_input: 0.3, cache_write: 3.75, cache_write_1h: 6, output: 15 },
    context_window: 1000000,
    max_output: 64000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  'claude-sonnet-5': {
    provider: 'anthropic',
    model: 'claude-sonnet-5',
    price: { input: 2, cached_input: 0.2, cache_write: 2.5, cache_write_1h: 4, output: 10 },
    context_window: 1000000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  'claude-opus-4-6': {
    provider: 'anthropic',
    model: 'claude-opus-4-6',
    price: { input: 5, cached_input: 0.5, cache_write: 6.25, cache_write_1h: 10, output: 25 },
    context_window: 1000000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  'claude-opus-4-8': {
    provider: 'anthropic',
    model: 'claude-opus-4-8',
    price: { input: 5, cached_input: 0.5, cache_write: 6.25, cache_write_1h: 10, output: 25 },
    context_window: 1000000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  'claude-fable-5': {
    provider: 'anthropic',
    model: 'claude-fable-5',
    price: { input: 10, cached_input: 1, cache_write: 12.5, cache_write_1h: 20, output: 50 },
    context_window: 1000000,
    max_output: 128000,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },

  // ---------------------------------------------------------------------------------------------
  // Google Gemini, through its native API (a `type: gemini` provider,
  // https://generativelanguage.googleapis.com/v1beta). Facts from LiteLLM's `gemini/...`
  // (Gemini Developer API) entries. Pricing: https://ai.google.dev/gemini-api/docs/pricing
  // `cached_input` is the context-cache read price (cache storage is billed separately per hour).
  // ---------------------------------------------------------------------------------------------

  'gemini-2.5-flash-lite': {
    provider: 'google',
    model: 'gemini-2.5-flash-lite',
    price: { input: 0.1, cached_input: 0.01, output: 0.4 },
    context_window: 1048576,
    max_output: 65535,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  'gemini-2.5-flash': {
    provider: 'google',
    model: 'gemini-2.5-flash',
    price: { input: 0.3, cached_input: 0.03, output: 2.5 },
    context_window: 1048576,
    max_output: 65535,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  // Above 200k input tokens: $2.50 in / $0.25 cached / $15 out.
  'gemini-2.5-pro': {
    provider: 'google',
    model: 'gemini-2.5-pro',
    price: { input: 1.25, cached_input: 0.125, output: 10 },
    context_window: 1048576,
    max_output: 65535,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  'gemini-3.1-flash-lite': {
    provider: 'google',
    model: 'gemini-3.1-flash-lite',
    price: { input: 0.25, cached_input: 0.025, output: 1.5 },
    context_window: 1048576,
    max_output: 65536,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  'gemini-3.5-flash': {
    provider: 'google',
    model: 'gemini-3.5-flash',
    price: { input: 1.5, cached_input: 0.15, output: 9 },
    context_window: 1048576,
    max_output: 65535,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  // Preview model. Above 200k input tokens: $4 in / $0.40 cached / $18 out.
  'gemini-3.1-pro-preview': {
    provider: 'google',
    model: 'gemini-3.1-pro-preview',
    price: { input: 2, cached_input: 0.2, output: 12 },
    context_window: 1048576,
    max_output: 65536,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  // Embedding model (`/v1/embeddings`): 3072 dimensions, shorter on request (outputDimensionality); 2048 input tokens.
  'gemini-embedding-001': {
    provider: 'google',
    model: 'gemini-embedding-001',
    price: { input: 0.15, output: 0 },
    context_window: 2048,
    capabilities: { tools: false, json_schema: false, vision: false, streaming: false, reasoning: false },
    embedding: { dimensions: 3072 },
  },

  // ---------------------------------------------------------------------------------------------
  // DeepSeek (https://api.deepseek.com). Pricing: https://api-docs.deepseek.com/quick_start/pricing
  // deepseek-chat / deepseek-reasoner were retired on 2026-07-24 (both aliased deepseek-v4-flash,
  // non-thinking / thinking), so only the V4 ids are listed. `cached_input` is the cache-hit price.
  // `reasoning` is true: V4 has a thinking mode (LiteLLM's `tencent/deepseek-v4-*` entries flag it;
  // its `deepseek/` entries omit the flag). `max_output` is LiteLLM's 8192 for the DeepSeek API,
  // though other hosts of the same model list up to 384000.
  // ---------------------------------------------------------------------------------------------

  'deepseek-v4-flash': {
    provider: 'deepseek',
    model: 'deepseek-v4-flash',
    price: { input: 0.14, cached_input: 0.0028, output: 0.28 },
    context_window: 1000000,
    max_output: 8192,
    capabilities: { tools: true, json_schema: true, vision: false, streaming: true, reasoning: true },
  },
  'deepseek-v4-pro': {
    provider: 'deepseek',
    model: 'deepseek-v4-pro',
    price: { input: 0.435, cached_input: 0.003625, output: 0.87 },
    context_window: 1000000,
    max_output: 8192,
    capabilities: { tools: true, json_schema: true, vision: false, streaming: true, reasoning: true },
  },

  // ---------------------------------------------------------------------------------------------
  // Groq (https://api.groq.com/openai/v1). Facts from LiteLLM's `groq/...` entries.
  // Pricing: https://groq.com/pricing
  // ---------------------------------------------------------------------------------------------

  'groq/llama-3.1-8b-instant': {
    provider: 'groq',
    model: 'llama-3.1-8b-instant',
    price: { input: 0.05, output: 0.08 },
    context_window: 128000,
    max_output: 8192,
    capabilities: { tools: true, json_schema: false, vision: false, streaming: true, reasoning: false },
  },
  'groq/llama-3.3-70b-versatile': {
    provider: 'groq',
    model: 'llama-3.3-70b-versatile',
    price: { input: 0.59, output: 0.79 },
    context_window: 128000,
    max_output: 32768,
    capabilities: { tools: true, json_schema: false, vision: false, streaming: true, reasoning: false },
  },
  'groq/openai/gpt-oss-120b': {
    provider: 'groq',
    model: 'openai/gpt-oss-120b',
    price: { input: 0.15, cached_input: 0.075, output: 0.6 },
    context_window: 131072,
    max_output: 32766,
    capabilities: { tools: true, json_schema: true, vision: false, streaming: true, reasoning: true },
  },
  'groq/openai/gpt-oss-20b': {
    provider: 'groq',
    model: 'openai/gpt-oss-20b',
    price: { input: 0.075, cached_input: 0.0375, output: 0.3 },
    context_window: 131072,
    max_output: 32768,
    capabilities: { tools: true, json_schema: true, vision: false, streaming: true, reasoning: true },
  },
  'groq/moonshotai/kimi-k2-instruct-0905': {
    provider: 'groq',
    model: 'moonshotai/kimi-k2-instruct-0905',
    price: { input: 1, cached_input: 0.5, output: 3 },
    context_window: 262144,
    max_output: 16384,
    capabilities: { tools: true, json_schema: true, vision: false, streaming: true, reasoning: false },
  },
  'groq/qwen/qwen3-32b': {
    provider: 'groq',
    model: 'qwen/qwen3-32b',
    price: { input: 0.29, output: 0.59 },
    context_window: 131000,
    max_output: 131000,
    capabilities: { tools: true, json_schema: false, vision: false, streaming: true, reasoning: true },
  },

  // ---------------------------------------------------------------------------------------------
  // Together AI (https://api.together.xyz/v1). Facts from LiteLLM's `together_ai/...` entries.
  // Pricing: https://www.together.ai/pricing
  // Where LiteLLM gives a context size but no output cap, `max_output` = `context_window`
  // (LiteLLM's own fallback for `max_tokens`).
  // ---------------------------------------------------------------------------------------------

  // LiteLLM has price and flags but no limits for this model: context 131072 from Together's model
  // page as copied in BudEcosystem/bud-connect (see BUILTIN_CATALOG_SOURCE); no separate output cap.
  'together/meta-llama/Llama-3.3-70B-Instruct-Turbo': {
    provider: 'together',
    model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    price: { input: 0.88, output: 0.88 },
    context_window: 131072,
    max_output: 131072,
    capabilities: { tools: true, json_schema: true, vision: false, streaming: true, reasoning: false },
  },
  'together/deepseek-ai/DeepSeek-V3.1': {
    provider: 'together',
    model: 'deepseek-ai/DeepSeek-V3.1',
    price: { input: 0.6, output: 1.7 },
    context_window: 128000,
    max_output: 16384,
    capabilities: { tools: true, json_schema: false, vision: false, streaming: true, reasoning: true },
  },
  // No output cap in LiteLLM: max_output = context_window.
  'together/Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8': {
    provider: 'together',
    model: 'Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8',
    price: { input: 2, output: 2 },
    context_window: 256000,
    max_output: 256000,
    capabilities: { tools: true, json_schema: true, vision: false, streaming: true, reasoning: false },
  },
  'together/openai/gpt-oss-120b': {
    provider: 'together',
    model: 'openai/gpt-oss-120b',
    price: { input: 0.15, output: 0.6 },
    context_window: 131072,
    max_output: 131072,
    capabilities: { tools: true, json_schema: true, vision: false, streaming: true, reasoning: true },
  },
  'together/moonshotai/Kimi-K2.5': {
    provider: 'together',
    model: 'moonshotai/Kimi-K2.5',
    price: { input: 0.5, output: 2.8 },
    context_window: 256000,
    max_output: 256000,
    capabilities: { tools: true, json_schema: false, vision: true, streaming: true, reasoning: true },
  },

  // ---------------------------------------------------------------------------------------------
  // OpenRouter (https://openrouter.ai/api/v1), at OpenRouter's own listed price (no fees included).
  // Facts from LiteLLM's `openrouter/...` entries. Pricing: https://openrouter.ai/models
  // LiteLLM has no `openrouter/openai/gpt-4o-mini` entry; `openai/gpt-4.1-mini` stands in for it.
  // ---------------------------------------------------------------------------------------------

  'openrouter/openai/gpt-4.1-mini': {
    provider: 'openrouter',
    model: 'openai/gpt-4.1-mini',
    price: { input: 0.4, cached_input: 0.1, output: 1.6 },
    context_window: 1047576,
    max_output: 32768,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: false },
  },
  // Above 200k input tokens: $6 in / $22.50 out. LiteLLM lists max_output 1000000 for this route,
  // which is its context size; 64000 is Anthropic's own cap for the model (LiteLLM `claude-sonnet-4-5`).
  'openrouter/anthropic/claude-sonnet-4.5': {
    provider: 'openrouter',
    model: 'anthropic/claude-sonnet-4.5',
    price: { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 },
    context_window: 1000000,
    max_output: 64000,
    capabilities: { tools: true, json_schema: false, vision: true, streaming: true, reasoning: true },
  },
  // LiteLLM's OpenRouter entry gives no cache price and omits the reasoning flag; `reasoning` follows
  // the first-party `gemini/gemini-2.5-flash` entry.
  'openrouter/google/gemini-2.5-flash': {
    provider: 'openrouter',
    model: 'google/gemini-2.5-flash',
    price: { input: 0.3, output: 2.5 },
    context_window: 1048576,
    max_output: 8192,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  // Preview model. Above 200k input tokens: $4 in / $0.40 cached / $18 out.
  'openrouter/google/gemini-3.1-pro-preview': {
    provider: 'openrouter',
    model: 'google/gemini-3.1-pro-preview',
    price: { input: 2, cached_input: 0.2, output: 12 },
    context_window: 1048576,
    max_output: 65536,
    capabilities: { tools: true, json_schema: true, vision: true, streaming: true, reasoning: true },
  },
  // The current DeepSeek chat model on OpenRouter (its `deepseek/deepseek-chat` route is the old V3,
  // with a 64k context). `cached_input` is LiteLLM's `input_cost_per_token_cache_hit`.
  'openrouter/deepseek/deepseek-v3.2': {
    provider: 'openrouter',
    model: 'deepseek/deepseek-v3.2',
    price: { input: 0.28, cached_input: 0.028, output: 0.4 },
    context_window: 163840,
    max_output: 163840,
    capabilities: { tools: true, json_schema: false, vision: false, streaming: true, reasoning: true },
  },
} as const satisfies Record<string, BuiltinModelEntry>;
