import type { ChatMessage, ChatRequest } from './chat-request.js';

/**
 * A ChatRequest for a model or router and some messages (a string is one user message), every
 * other field empty unless given. For callers that build requests themselves (the CLI, tests,
 * library users) rather than parsing an HTTP body.
 */
export function createChatRequest(model: string, messages: string | ChatMessage[], fields: Partial<Omit<ChatRequest, 'model' | 'messages'>> = {}): ChatRequest {
  return {
    model,
    messages: typeof messages === 'string' ? [{ role: 'user', content: messages }] : messages,
    stream: false,
    includeUsage: false,
    metadata: undefined,
    tools: undefined,
    responseFormat: undefined,
    maxOutputTokens: undefined,
    passthrough: {},
    ...fields,
  };
}

/**
 * A request for a short JSON answer, as the gateway's own calls make (a classifier, a judge): a
 * `json_schema` response format when the model is known to support one, else only the
 * instructions, and the caller parses strictly. No sampling, a small cap on output.
 */
export function createStructuredRequest(
  model: string,
  messages: ChatMessage[],
  schema: { name: string; schema: Record<string, unknown> } | undefined,
  maxTokens: number,
): ChatRequest {
  const params: Record<string, unknown> = { temperature: 0, max_tokens: maxTokens };
  if (!schema) return createChatRequest(model, messages, { passthrough: params, maxOutputTokens: maxTokens });
  const responseFormat = { type: 'json_schema', json_schema: { name: schema.name, strict: true, schema: schema.schema } };
  return createChatRequest(model, messages, { responseFormat, passthrough: { ...params, response_format: responseFormat }, maxOutputTokens: maxTokens });
}

/** The text of a result's first choice ('' when it has none). */
export function firstChoiceText(content: ChatMessage['content'] | undefined): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
}
