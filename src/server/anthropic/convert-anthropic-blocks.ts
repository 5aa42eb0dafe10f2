import { InvalidRequestError } from '../../errors/request-errors.js';
import type { ContentPart } from '../../spec/chat-request.js';
import { quoteInput } from '../../util/quote-input.js';
import type { AnthropicBlock } from './anthropic-request-schema.js';

/**
 * Every content block type of the Messages API's request (the SDK's `ContentBlockParam`). A type
 * outside it is refused with its path: the upstream would refuse it too, and an OpenAI-compatible
 * one could not say why.
 */
export const KNOWN_BLOCK_TYPES: ReadonlySet<string> = new Set([
  'text',
  'image',
  'document',
  'search_result',
  'thinking',
  'redacted_thinking',
  'tool_use',
  'tool_result',
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
  'container_upload',
]);

/** An error about the value at `path` (Anthropic's dotted form, `messages.0.content.1`). */
export function invalidAt(path: string, message: string): InvalidRequestError {
  return new InvalidRequestError(`Invalid request: ${path}: ${message}`, { param: path });
}

/** `block[key]` when it is a string; throws naming the field otherwise. */
export function stringField(block: Record<string, unknown>, key: string, path: string): string {
  const value = block[key];
  if (typeof value !== 'string') throw invalidAt(`${path}.${key}`, value === undefined ? 'Field required' : 'expected a string');
  return value;
}

/** The block without the keys its conversion consumed: what stays on the part verbatim (`cache_control`, `citations`, ...). */
function rest(block: Record<string, unknown>, consumed: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in block) if (!consumed.includes(key)) out[key] = block[key];
  return out;
}

/** `data:` URL of a base64 payload. */
function dataUrl(mediaType: string, base64: string): string {
  return `data:${mediaType};base64,${base64}`;
}

function sourceOf(block: Record<string, unknown>, path: string): Record<string, unknown> {
  const source = block['source'];
  if (typeof source !== 'object' || source === null || Array.isArray(source)) throw invalidAt(`${path}.source`, source === undefined ? 'Field required' : 'expected an object');
  return source as Record<string, unknown>;
}

/** An image block: base64 as a `data:` URL, a URL as itself; a file reference stays an `image` block. */
function imagePart(block: AnthropicBlock, path: string): ContentPart {
  const source = sourceOf(block, path);
  if (source['type'] === 'base64') {
    const url = dataUrl(stringField(source, 'media_type', `${path}.source`), stringField(source, 'data', `${path}.source`));
    return { ...rest(block, ['type', 'source']), type: 'image_url', image_url: { url } };
  }
  if (source['type'] === 'url') return { ...rest(block, ['type', 'source']), type: 'image_url', image_url: { url: stringField(source, 'url', `${path}.source`) } };
  return block;
}

/**
 * A document block: a base64 PDF or plain text becomes OpenAI's `file` part with a `data:` URL
 * (title and the rest kept on the part). A URL stays a `document` block, as do content and file
 * sources: making a `data:` URL of a URL would mean fetching it from the gateway.
 */
function documentPart(block: AnthropicBlock, path: string): ContentPart {
  const source = sourceOf(block, path);
  let fileData: string | undefined;
  if (source['type'] === 'base64') fileData = dataUrl(stringField(source, 'media_type', `${path}.source`), stringField(source, 'data', `${path}.source`));
  else if (source['type'] === 'text') {
    const mediaType = typeof source['media_type'] === 'string' ? source['media_type'] : 'text/plain';
    fileData = dataUrl(mediaType, Buffer.from(stringField(source, 'data', `${path}.source`), 'utf8').toString('base64'));
  }
  if (fileData === undefined) return block;
  const title = block['title'];
  return { ...rest(block, ['type', 'source']), type: 'file', file: typeof title === 'string' ? { file_data: fileData, filename: title } : { file_data: fileData } };
}

/**
 * A block of a user, system or tool-result turn as a content part: text, image and document are
 * translated, every other known block is kept verbatim as a part of its own type; an unknown type
 * is refused. `tool_result`, `tool_use` and thinking blocks are the caller's to handle before this.
 */
export function contentPart(block: AnthropicBlock, path: string): ContentPart {
  switch (block.type) {
    case 'text':
      stringField(block, 'text', path);
      return block;
    case 'image':
      return imagePart(block, path);
    case 'document':
      return documentPart(block, path);
    default:
      if (!KNOWN_BLOCK_TYPES.has(block.type)) {
        throw invalidAt(`${path}.type`, `unknown content block type ${quoteInput(block.type)}; expected one of ${[...KNOWN_BLOCK_TYPES].join(', ')}`);
      }
      return block;
  }
}

/**
 * Content parts as a message's content: a single plain text block (nothing but its text) is the
 * string it says, which every OpenAI-compatible upstream takes; anything else stays a list.
 */
export function asContent(parts: ContentPart[]): string | ContentPart[] {
  const [only] = parts;
  if (parts.length === 1 && only?.type === 'text' && typeof only.text === 'string' && Object.keys(only).length === 2) return only.text;
  return parts;
}
