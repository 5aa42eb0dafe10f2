import type { ChatRequest } from '../../spec/chat-request.js';
import { asksForThinking } from './asks-for-thinking.js';

/** What rule conditions read from a request besides its text; each computed on first use, then kept. */
export type RequestTraits = {
  /** The request declares tools (`tools`, or the legacy `functions`). */
  hasTools(): boolean;
  /** A message has an image part. */
  hasImages(): boolean;
  /** The client asked for reasoning. */
  thinking(): boolean;
};

export function requestTraits(request: ChatRequest): RequestTraits {
  let hasImages: boolean | undefined;
  let thinking: boolean | undefined;
  return {
    hasTools: () => (request.tools?.length ?? 0) > 0 || (Array.isArray(request.passthrough['functions']) && request.passthrough['functions'].length > 0),
    hasImages: () =>
      (hasImages ??= request.messages.some((message) => Array.isArray(message.content) && message.content.some((part) => part.type === 'image_url'))),
    thinking: () => (thinking ??= asksForThinking(request)),
  };
}
