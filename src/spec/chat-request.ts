import type { Dialect } from './dialect.js';

/**
 * The request as the router core sees it: the canonical request. Messages keep OpenAI's Chat
 * Completions shape (the lingua franca: OpenAI-compatible upstreams get an OpenAI client's
 * messages verbatim), extended with what Anthropic's Messages API can say and Chat Completions
 * cannot, in the fields documented here. An edge of another dialect converts into this shape and a
 * provider of another wire format converts from it; a field a target cannot carry is dropped by its
 * provider with a warning in the trace, or rules the model out in routing, never silently.
 */

/** A prompt-cache breakpoint (Anthropic's `cache_control`), kept on the part, tool or system block it marks. */
export type CacheControl = { type: 'ephemeral'; ttl?: '5m' | '1h'; [key: string]: unknown };

/**
 * A content part. Known kinds:
 * - `{ type: 'text', text }`
 * - `{ type: 'image_url', image_url: { url, detail? } }`: an https URL or a `data:` URL (base64)
 * - `{ type: 'file', file: { file_data?, file_id?, filename? } }`: a document such as a PDF
 *   (`file_data` is a `data:` URL), OpenAI's shape for Anthropic's `document` block
 * Any kind may carry `cache_control`. Other kinds (input_audio, refusal, ...) and provider extras
 * are kept verbatim.
 */
export type ContentPart = {
  type: string;
  text?: string;
  image_url?: { url: string; detail?: string };
  file?: { file_data?: string; file_id?: string; filename?: string };
  cache_control?: CacheControl;
  [key: string]: unknown;
};

/**
 * A reasoning block of an assistant turn, as Anthropic returns it: its text and the signature the
 * same vendor needs to accept it back, or the redacted form. Another vendor cannot verify it.
 */
export type ThinkingBlock = { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string };

export type ToolCall = {
  id: string;
  type: string;
  function: { name: string; arguments: string };
  [key: string]: unknown;
};

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';

export type ChatMessage = {
  role: ChatRole;
  content?: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  /** Assistant turns: the reasoning blocks that came before the text and tool calls, in order, signatures kept. */
  thinking_blocks?: ThinkingBlock[];
  /** Tool results (`role: 'tool'`): the tool failed (Anthropic's `tool_result.is_error`). */
  is_error?: boolean;
  /**
   * Assistant turns: Responses API items with no Chat Completions form (reasoning with its
   * `encrypted_content`, built-in tool calls and their outputs, ...), verbatim and in order, as the
   * Responses edge received them (or a Responses upstream returned them). A provider of the
   * Responses wire format sends them back before the turn's message and calls; another drops them
   * with a warning.
   */
  responses_items?: readonly Record<string, unknown>[];
  /** Provider extras (reasoning_content, ...) are kept verbatim. */
  [key: string]: unknown;
};

export type ToolDefinition = {
  type: string;
  function?: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null };
  cache_control?: CacheControl;
  [key: string]: unknown;
};

export type ResponseFormat = {
  type: string;
  json_schema?: { name: string; schema?: Record<string, unknown>; strict?: boolean | null; [key: string]: unknown };
  [key: string]: unknown;
};

export type ChatRequest = {
  /** What the client asked for: a router name or a model name. */
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  /** The client asked for the final usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
  /** String hints for routing (`metadata` of the body). Consumed by the gateway, not forwarded. */
  metadata: Readonly<Record<string, string>> | undefined;
  /** Read-only views of fields that routing and capability checks look at; the originals stay in `passthrough`. */
  tools: readonly ToolDefinition[] | undefined;
  responseFormat: ResponseFormat | undefined;
  /** `max_completion_tokens`, else `max_tokens`. */
  maxOutputTokens: number | undefined;
  /**
   * Every body field except `model`, `messages`, `stream` and `metadata`, verbatim, in Chat
   * Completions terms (tools, tool_choice, response_format, max_tokens, temperature, stop,
   * stream_options, unknown provider extras, ...): an edge of another dialect translates its
   * fields into these names.
   */
  passthrough: Readonly<Record<string, unknown>>;
  /** The dialect the client spoke (absent: `openai`). */
  dialect?: Dialect;
  /**
   * Fields of the client's dialect with no Chat Completions equivalent (Anthropic's `thinking`,
   * `output_config`, `context_management`, `top_k`, `service_tier`, `metadata`, ...), verbatim.
   * A provider of the same wire format forwards them; another drops them with a warning.
   */
  dialectFields?: Readonly<Record<string, unknown>>;
  /** Headers of the client's dialect a provider of the same wire format forwards (`anthropic-beta`). */
  dialectHeaders?: Readonly<Record<string, string>>;
  /**
   * Set only on the request the gateway routes for an embeddings call (`gateway.embed`; its one
   * user message holds the inputs): routing then keeps embedding models and filters out chat ones,
   * the reverse of any other request.
   */
  embedding?: true;
};
