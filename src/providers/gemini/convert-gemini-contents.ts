import { InvalidRequestError } from '../../errors/request-errors.js';
import type { ChatMessage, ContentPart } from '../../spec/chat-request.js';
import { thoughtSignatureOf } from '../../spec/thought-signature.js';
import { isRecord } from '../../util/json-guards.js';
import { convertContentPart, type GeminiPart, type Warnings } from './convert-gemini-part.js';

export type GeminiContent = { role: 'user' | 'model'; parts: GeminiPart[] };

export type GeminiContents = { systemInstruction: GeminiPart[]; contents: GeminiContent[] };

/**
 * Google's documented placeholder for a function call whose signature is lost (made by another
 * model, or dropped by the client): Gemini 3 then skips the check instead of refusing the turn.
 */
export const PLACEHOLDER_SIGNATURE = 'skip_thought_signature_validator';

/**
 * Chat Completions messages → `systemInstruction` and `contents`: system and developer messages
 * become the system instruction, assistant turns `model` turns (tool calls as `functionCall`
 * parts, their thought signatures back on them), tool results `functionResponse` parts of a user
 * turn, named after the call they answer; consecutive turns of one role merge. `requireSignatures`:
 * the model is a Gemini 3, which refuses a function call without its signature.
 */
export function convertContents(messages: readonly ChatMessage[], requireSignatures: boolean, warnings: Warnings): GeminiContents {
  const systemInstruction: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  let placeholders = 0;
  const append = (role: GeminiContent['role'], parts: GeminiPart[]): void => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last !== undefined && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((message, position) => {
    if (message.name !== undefined && message.role !== 'tool') warnings.add('messages[].name was dropped: the Gemini API has no participant names');
    if (message['cache_control'] !== undefined) warnings.add('cache_control breakpoints were dropped: Gemini caches repeated prompt prefixes by itself');
    switch (message.role) {
      case 'system':
      case 'developer':
        for (const part of partsOf(message.content)) {
          if (part.type === 'text') {
            const converted = convertContentPart(part, warnings);
            if (converted) systemInstruction.push(converted);
          } else warnings.add(`a \`${part.type}\` part of a system message was dropped: Gemini's system instruction is text only`);
        }
        return;
      case 'user':
        return append('user', userParts(message, warnings));
      case 'tool':
        return append('user', [functionResponse(messages, message, position, warnings)]);
      case 'assistant': {
        const { parts, unsigned } = modelParts(message, position, requireSignatures, warnings);
        placeholders += unsigned;
        return append('model', parts);
      }
      default:
        warnings.add(`a \`${message.role}\` message was dropped: the Gemini API has no such role (use tool messages)`);
    }
  });
  if (placeholders > 0) {
    warnings.add(`${placeholders} function call(s) of earlier turns had no thought signature (made by another model, or not sent back): sent Google's placeholder, which skips the check`);
  }
  return { systemInstruction, contents };
}

function partsOf(content: ChatMessage['content']): ContentPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return content ?? [];
}

function userParts(message: ChatMessage, warnings: Warnings): GeminiPart[] {
  const parts: GeminiPart[] = [];
  for (const part of partsOf(message.content)) {
    const converted = convertContentPart(part, warnings);
    if (converted) parts.push(converted);
  }
  return parts;
}

/**
 * An assistant turn's text and function calls. Its reasoning text is not sent back (Gemini keeps
 * its reasoning in the signatures); another vendor's signed thinking cannot be.
 */
function modelParts(message: ChatMessage, position: number, requireSignatures: boolean, warnings: Warnings): { parts: GeminiPart[]; unsigned: number } {
  if (message.thinking_blocks !== undefined && message.thinking_blocks.length > 0) {
    warnings.add("thinking blocks of earlier turns were dropped: their signatures are only valid at the vendor that made them");
  }
  if (message['function_call'] !== undefined) warnings.add('an assistant function_call (the legacy form of tool_calls) was dropped');
  const parts: GeminiPart[] = [];
  for (const part of partsOf(message.content)) {
    const converted = convertContentPart(part, warnings);
    if (converted) parts.push(converted);
  }
  // A text part's signature, kept on the message: back on its last text part.
  const textSignature = thoughtSignatureOf(message);
  const lastText = parts.findLastIndex((part) => typeof part['text'] === 'string');
  if (textSignature !== undefined) {
    if (lastText >= 0) parts[lastText] = { ...parts[lastText], thoughtSignature: textSignature };
    else parts.push({ text: '', thoughtSignature: textSignature });
  }
  let unsigned = 0;
  (message.tool_calls ?? []).forEach((call, index) => {
    const part: GeminiPart = { functionCall: { name: call.function.name, args: toolArguments(call.function.arguments, position, index) } };
    const signature = thoughtSignatureOf(call);
    if (signature !== undefined) part['thoughtSignature'] = signature;
    // Gemini 3 checks the first call of a turn; parallel calls after it carry none.
    else if (requireSignatures && index === 0) {
      part['thoughtSignature'] = PLACEHOLDER_SIGNATURE;
      unsigned++;
    }
    parts.push(part);
  });
  return { parts, unsigned };
}

/** A tool call's arguments, a JSON string in Chat Completions, as the object Gemini wants; anything else is the client's error. */
function toolArguments(argumentsText: string, position: number, index: number): Record<string, unknown> {
  const param = `messages[${position}].tool_calls[${index}].function.arguments`;
  if (argumentsText.trim() === '') return {};
  let args: unknown;
  try {
    args = JSON.parse(argumentsText);
  } catch {
    throw new InvalidRequestError(`${param} is not valid JSON; the Gemini API needs a tool call's arguments as a JSON object.`, { param });
  }
  if (!isRecord(args)) throw new InvalidRequestError(`${param} is not a JSON object; the Gemini API needs a tool call's arguments as a JSON object.`, { param });
  return args;
}

/** The name of the call a tool result answers: Gemini matches results by name, and its calls have no ids. */
function calledName(messages: readonly ChatMessage[], id: string, before: number): string | undefined {
  for (let position = before - 1; position >= 0; position--) {
    const call = messages[position]?.tool_calls?.find((candidate) => candidate.id === id);
    if (call) return call.function.name;
  }
  return undefined;
}

/** A tool message → `functionResponse`: a JSON object answer as it is, anything else as `{ result }` (`{ error }` for a failed tool). */
function functionResponse(messages: readonly ChatMessage[], message: ChatMessage, position: number, warnings: Warnings): GeminiPart {
  const id = message.tool_call_id;
  const name = (id === undefined ? undefined : calledName(messages, id, position)) ?? message.name;
  if (name === undefined) {
    throw new InvalidRequestError(
      `messages[${position}] is a tool result whose tool_call_id matches no earlier tool call; the Gemini API needs the name of the function it answers.`,
      { param: `messages[${position}].tool_call_id` },
    );
  }
  let text = '';
  if (typeof message.content === 'string') text = message.content;
  else {
    for (const part of message.content ?? []) {
      if (part.type === 'text' && typeof part.text === 'string') text += part.text;
      else warnings.add(`a \`${part.type}\` part of a tool result was dropped: Gemini takes a function's response as JSON`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const response = message.is_error === true ? { error: isRecord(parsed) ? parsed : text } : isRecord(parsed) ? parsed : { result: text };
  return { functionResponse: { name, response } };
}
