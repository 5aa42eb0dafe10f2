/**
 * The request as the router core sees it. Messages keep OpenAI's Chat Completions shape: it is the
 * gateway's public wire format, so OpenAI-compatible upstreams get the client's messages verbatim
 * and adapters for other wire formats convert from it.
 */

export type ContentPart = {
  type: string;
  text?: string;
  image_url?: { url: string; detail?: string };
  /** Other part kinds (input_audio, file, refusal, ...) and provider extras are kept verbatim. */
  [key: string]: unknown;
};

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
  /** Provider extras (reasoning_content, cache_control, ...) are kept verbatim. */
  [key: string]: unknown;
};

export type ToolDefinition = {
  type: string;
  function?: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null };
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
   * Every body field except `model`, `messages`, `stream` and `metadata`, verbatim (tools,
   * response_format, max_tokens, temperature, stream_options, unknown provider extras, ...).
   */
  passthrough: Readonly<Record<string, unknown>>;
};
