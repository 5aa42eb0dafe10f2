import type { ChatMessage, ContentPart } from '../../../spec/chat-request.js';
import { isRecord } from '../../../util/json-guards.js';

/** One item of a Responses `input`, or one part of an item's content. */
export type ResponsesItem = Record<string, unknown>;

/** Counts what could not be carried, for one warning per kind of loss. */
export type InputLosses = {
  breakpoints: number;
  thinking: number;
  errors: number;
  partTypes: Set<string>;
  callTypes: Set<string>;
  legacyFunctions: number;
};

export function noLosses(): InputLosses {
  return { breakpoints: 0, thinking: 0, errors: 0, partTypes: new Set(), callTypes: new Set(), legacyFunctions: 0 };
}

/** Parts a Responses client sent in the API's own terms (kept by its edge): they go back as they came. */
const RESPONSES_PART_TYPES = new Set(['input_text', 'input_image', 'input_file', 'input_audio']);

/**
 * Canonical messages → `instructions` and `input` items. The first system message becomes the
 * instructions, later system and developer messages developer messages; user content becomes
 * `input_text`/`input_image`/`input_file` parts, assistant text `output_text` parts, tool calls
 * `function_call` items and tool results `function_call_output` items. The items of a turn that
 * have no Chat Completions form (`responses_items`: reasoning, built-in tool calls) go first, as
 * the API wants reasoning before the output it led to.
 */
export function convertResponsesInput(messages: readonly ChatMessage[], losses: InputLosses): { instructions: string | undefined; input: ResponsesItem[] } {
  let instructions: string | undefined;
  const input: ResponsesItem[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content, losses);
        if (message.role === 'system' && instructions === undefined) instructions = text;
        else input.push({ type: 'message', role: 'developer', content: [{ type: 'input_text', text }] });
        break;
      }
      case 'user':
        input.push({ type: 'message', role: 'user', content: inputParts(message.content, losses) });
        break;
      case 'assistant':
        input.push(...assistantItems(message, losses));
        break;
      case 'tool':
        if (message.is_error === true) losses.errors++;
        input.push({ type: 'function_call_output', call_id: message.tool_call_id ?? '', output: toolOutput(message.content, losses) });
        break;
      case 'function':
        losses.legacyFunctions++;
        break;
    }
  }
  return { instructions, input };
}

function uncached(part: ContentPart, losses: InputLosses): ContentPart {
  if (part.cache_control === undefined) return part;
  losses.breakpoints++;
  const { cache_control: _dropped, ...rest } = part;
  return rest;
}

/** A system message's text: its text parts joined (it has no other kind worth keeping). */
function textOf(content: ChatMessage['content'], losses: InputLosses): string {
  if (typeof content === 'string') return content;
  const texts: string[] = [];
  for (const raw of content ?? []) {
    const part = uncached(raw, losses);
    if (typeof part.text === 'string' && (part.type === 'text' || part.type === 'input_text')) texts.push(part.text);
    else losses.partTypes.add(part.type);
  }
  return texts.join('\n');
}

function inputParts(content: ChatMessage['content'], losses: InputLosses): ResponsesItem[] {
  if (typeof content === 'string') return [{ type: 'input_text', text: content }];
  return (content ?? []).flatMap((raw) => {
    const part = inputPart(uncached(raw, losses));
    if (part === undefined) losses.partTypes.add(raw.type);
    return part === undefined ? [] : [part];
  });
}

function inputPart(part: ContentPart): ResponsesItem | undefined {
  if (RESPONSES_PART_TYPES.has(part.type)) return part;
  switch (part.type) {
    case 'text':
      return typeof part.text === 'string' ? { type: 'input_text', text: part.text } : undefined;
    case 'image_url':
      return part.image_url ? { type: 'input_image', image_url: part.image_url.url, detail: part.image_url.detail ?? 'auto' } : undefined;
    case 'file': {
      if (!part.file) return undefined;
      const { file_data: data, file_id: id, filename } = part.file;
      const file: ResponsesItem = { type: 'input_file' };
      if (id !== undefined) file['file_id'] = id;
      if (data !== undefined) file['file_data'] = data;
      // The API wants a name with inline data; the media type gives one.
      const name = filename ?? (data === undefined ? undefined : nameFor(data));
      if (name !== undefined) file['filename'] = name;
      return file;
    }
    case 'input_audio':
      return isRecord(part['input_audio']) ? { type: 'input_audio', input_audio: part['input_audio'] } : undefined;
    default:
      return undefined;
  }
}

/** `data:application/pdf;base64,...` → `document.pdf`. */
function nameFor(dataUrl: string): string {
  const subtype = /^data:[\w.+-]+\/([\w.+-]+)[;,]/.exec(dataUrl)?.[1];
  return subtype === undefined ? 'document' : `document.${subtype}`;
}

function assistantItems(message: ChatMessage, losses: InputLosses): ResponsesItem[] {
  const items: ResponsesItem[] = [];
  // Reasoning and built-in tool items of a Responses client's turn, as it sent them.
  items.push(...(message.responses_items ?? []));
  losses.thinking += message.thinking_blocks?.length ?? 0;
  const content: ResponsesItem[] = [];
  if (typeof message.content === 'string') {
    if (message.content !== '') content.push({ type: 'output_text', text: message.content });
  } else {
    for (const raw of message.content ?? []) {
      const part = uncached(raw, losses);
      if ((part.type === 'text' || part.type === 'output_text') && typeof part.text === 'string') content.push({ type: 'output_text', text: part.text });
      else if (part.type === 'refusal' && typeof part['refusal'] === 'string') content.push({ type: 'refusal', refusal: part['refusal'] });
      else losses.partTypes.add(part.type);
    }
  }
  const refusal = message['refusal'];
  if (typeof refusal === 'string' && refusal !== '') content.push({ type: 'refusal', refusal });
  if (content.length > 0) items.push({ type: 'message', role: 'assistant', content });
  for (const call of message.tool_calls ?? []) {
    if (call.type !== 'function') {
      losses.callTypes.add(call.type);
      continue;
    }
    if (call['cache_control'] !== undefined) losses.breakpoints++;
    items.push({ type: 'function_call', call_id: call.id, name: call.function.name, arguments: call.function.arguments });
  }
  return items;
}

/** A tool result: its text as is, or its parts as input parts. */
function toolOutput(content: ChatMessage['content'], losses: InputLosses): string | ResponsesItem[] {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return inputParts(content, losses);
}
