import type { ChatRequest } from '../../spec/chat-request.js';
import { declaresTools, hasContentPart } from '../../spec/request-contents.js';
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
    hasTools: () => declaresTools(request),
    hasImages: () => (hasImages ??= hasContentPart(request, 'image_url')),
    thinking: () => (thinking ??= asksForThinking(request)),
  };
}
