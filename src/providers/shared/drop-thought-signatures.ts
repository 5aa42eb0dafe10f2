import type { ChatMessage } from '../../spec/chat-request.js';
import { thoughtSignatureOf } from '../../spec/thought-signature.js';

/** `extra_content` without its `google` member; undefined when nothing else was in it. */
function withoutGoogle(extra: unknown): Record<string, unknown> | undefined {
  if (typeof extra !== 'object' || extra === null) return undefined;
  const { google: _dropped, ...rest } = extra as Record<string, unknown>;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

function unsigned<Item extends Record<string, unknown>>(item: Item): Item {
  const { extra_content: extra, ...rest } = item;
  const kept = withoutGoogle(extra);
  return (kept === undefined ? rest : { ...rest, extra_content: kept }) as Item;
}

/**
 * Gemini's thought signatures (`extra_content.google.thought_signature` on tool calls and
 * assistant messages) stripped for another vendor, which cannot verify them and may reject the
 * unknown field; the messages are copied only when one is found. `warning` says how many went.
 */
export function dropThoughtSignatures(messages: ChatMessage[]): { messages: ChatMessage[]; warning: string | undefined } {
  let dropped = 0;
  const out = messages.map((message): ChatMessage => {
    if (message.role !== 'assistant') return message;
    let copy = message;
    if (thoughtSignatureOf(message) !== undefined) {
      dropped++;
      copy = unsigned(copy);
    }
    if (copy.tool_calls?.some((call) => thoughtSignatureOf(call) !== undefined)) {
      copy = {
        ...copy,
        tool_calls: copy.tool_calls.map((call) => {
          if (thoughtSignatureOf(call) === undefined) return call;
          dropped++;
          return unsigned(call);
        }),
      };
    }
    return copy;
  });
  if (dropped === 0) return { messages, warning: undefined };
  return { messages: out, warning: `thought signatures dropped: ${dropped} from earlier Gemini turns, which only Gemini can verify` };
}
