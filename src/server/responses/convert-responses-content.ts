import type { ContentPart } from '../../spec/chat-request.js';
import { quoteInput } from '../../util/quote-input.js';
import { invalidAt } from './parse-responses-body.js';

type Path = readonly (string | number)[];

/** The content part types of Responses input messages (`ResponseInputContent`) and of assistant messages sent back (`output_text`, `refusal`). */
const PART_TYPES = ['input_text', 'input_image', 'input_file', 'input_audio', 'output_text', 'refusal'] as const;

function stringAt(part: Record<string, unknown>, key: string, path: Path): string {
  const value = part[key];
  if (typeof value !== 'string') throw invalidAt([...path, key], value === undefined ? 'Field required' : 'expected a string');
  return value;
}

function optionalString(part: Record<string, unknown>, key: string, path: Path): string | undefined {
  const value = part[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidAt([...path, key], 'expected a string');
  return value;
}

/**
 * An image: a URL (https or `data:`) becomes Chat Completions' `image_url` part; a file id has no
 * Chat Completions form and stays the Responses part it is (a Responses target takes it back).
 */
function imagePart(part: Record<string, unknown>, path: Path): ContentPart {
  const url = optionalString(part, 'image_url', path);
  const fileId = optionalString(part, 'file_id', path);
  if (url === undefined) {
    if (fileId === undefined) throw invalidAt([...path, 'image_url'], 'expected an image_url or a file_id');
    return part as ContentPart;
  }
  const detail = optionalString(part, 'detail', path);
  return { type: 'image_url', image_url: detail === undefined ? { url } : { url, detail } };
}

/** A file: data, id and name as Chat Completions' `file` part; a file URL stays the Responses part it is. */
function filePart(part: Record<string, unknown>, path: Path): ContentPart {
  const fileData = optionalString(part, 'file_data', path);
  const fileId = optionalString(part, 'file_id', path);
  const filename = optionalString(part, 'filename', path);
  if (fileData === undefined && fileId === undefined) {
    if (optionalString(part, 'file_url', path) !== undefined) return part as ContentPart;
    throw invalidAt([...path, 'file_data'], 'expected file_data, a file_id or a file_url');
  }
  const file: NonNullable<ContentPart['file']> = {};
  if (fileData !== undefined) file.file_data = fileData;
  if (fileId !== undefined) file.file_id = fileId;
  if (filename !== undefined) file.filename = filename;
  return { type: 'file', file };
}

/** A part of a message item as a canonical content part; an unknown type is refused with its path. */
export function contentPart(value: unknown, path: Path): ContentPart {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidAt(path, 'expected a content part object');
  const part = value as Record<string, unknown>;
  const type = part['type'];
  if (typeof type !== 'string') throw invalidAt([...path, 'type'], type === undefined ? 'Field required' : 'expected a string');
  switch (type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: stringAt(part, 'text', path) };
    case 'refusal':
      return { type: 'refusal', refusal: stringAt(part, 'refusal', path) };
    case 'input_image':
      return imagePart(part, path);
    case 'input_file':
      return filePart(part, path);
    case 'input_audio':
      return part as ContentPart;
    default:
      throw invalidAt([...path, 'type'], `unknown content part type ${quoteInput(type)}; expected one of ${PART_TYPES.join(', ')}`);
  }
}

/** A message's content: a string as itself, a list of parts converted; a single plain text part is the string it says. */
export function messageContent(value: unknown, path: Path): string | ContentPart[] {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) throw invalidAt(path, value === undefined ? 'Field required' : 'expected a string or a list of content parts');
  const parts = value.map((part, index) => contentPart(part, [...path, index]));
  const [only] = parts;
  if (parts.length === 1 && only?.type === 'text' && typeof only.text === 'string') return only.text;
  return parts;
}
