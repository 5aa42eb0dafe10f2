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
