import type { ChatResult } from './chat-result.js';
import type { StreamPart } from './stream-part.js';
import { thoughtSignatureOf } from './thought-signature.js';

/** A complete answer as stream parts: for upstreams that ignore `stream: true` and answer in one piece. */
export function chatResultToParts(result: ChatResult): StreamPart[] {
  const parts: StreamPart[] = [
    { type: 'response-metadata', id: result.id, created: result.created, responseModel: result.responseModel, extra: result.extra },
  ];
  for (const choice of result.choices) {
    const message = choice.message;
    const reasoning = message['reasoning_content'];
    if (typeof reasoning === 'string' && reasoning !== '') parts.push({ type: 'reasoning-delta', choice: choice.index, text: reasoning });
    if (typeof message.content === 'string' && message.content !== '') {
      // The whole answer's token logprobs ride on its one text part, as a stream chunk carries its own.
      parts.push(
        choice.logprobs == null
          ? { type: 'text-delta', choice: choice.index, text: message.content }
          : { type: 'text-delta', choice: choice.index, text: message.content, logprobs: choice.logprobs },
      );
    }
    const refusal = message['refusal'];
    if (typeof refusal === 'string' && refusal !== '') parts.push({ type: 'refusal-delta', choice: choice.index, text: refusal });
    message.tool_calls?.forEach((call, toolIndex) => {
      const part: StreamPart = {
        type: 'tool-call-delta',
        choice: choice.index,
        toolIndex,
        id: call.id,
        name: call.function.name,
        argumentsDelta: call.function.arguments,
      };
      const signature = thoughtSignatureOf(call);
      parts.push(signature === undefined ? part : { ...part, thoughtSignature: signature });
    });
    parts.push({ type: 'finish', choice: choice.index, finishReason: choice.finishReason });
  }
  if (result.usage) parts.push({ type: 'usage', usage: result.usage });
  return parts;
}
