import type { ContentPart } from '../../spec/chat-request.js';

/** A part of a Gemini `Content`: `{ text }`, `{ inlineData }`, `{ fileData }`, `{ functionCall }`, `{ functionResponse }`, with `thoughtSignature` where Gemini gave one. */
export type GeminiPart = Record<string, unknown>;

/** What a conversion drops, said once per kind. */
export type Warnings = Set<string>;

const DATA_URL = /^data:([^;,]+)?((?:;[^;,]*)*?);base64,(.*)$/s;

/** Media types Gemini takes by URL, by file extension: it needs the type, and a URL says it only this way. */
const MIME_BY_EXTENSION = new Map<string, string>([
  ['png', 'image/png'],
  ['jpg', 'image/jpeg'],
  ['jpeg', 'image/jpeg'],
  ['webp', 'image/webp'],
  ['gif', 'image/gif'],
  ['heic', 'image/heic'],
  ['heif', 'image/heif'],
  ['pdf', 'application/pdf'],
]);

/** The media type a URL's file extension names, if Gemini takes it. */
export function mimeTypeOfUrl(url: string): string | undefined {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const extension = /\.([a-z0-9]+)$/i.exec(pathname)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : MIME_BY_EXTENSION.get(extension);
}

/** A `data:` URL as inline data; undefined when it is not a base64 one. */
function inlineData(url: string): GeminiPart | undefined {
  const data = DATA_URL.exec(url);
  if (!data || data[1] === undefined) return undefined;
  return { inlineData: { mimeType: data[1], data: data[3] ?? '' } };
}

/**
 * One content part → a Gemini part, or undefined when it cannot be carried (a warning says so):
 * text as text, images and documents as `data:` URLs inline, images by https URL as `fileData`
 * when the extension tells their type, audio inline.
 */
export function convertContentPart(part: ContentPart, warnings: Warnings): GeminiPart | undefined {
  if (part.cache_control !== undefined) warnings.add('cache_control breakpoints were dropped: Gemini caches repeated prompt prefixes by itself');
  switch (part.type) {
    case 'text':
      return typeof part.text === 'string' && part.text !== '' ? { text: part.text } : undefined;
    case 'refusal':
      // An assistant's earlier refusal is text it said.
      return typeof part['refusal'] === 'string' && part['refusal'] !== '' ? { text: part['refusal'] } : undefined;
    case 'image_url':
      return convertImage(part, warnings);
    case 'file':
      return convertFile(part, warnings);
    case 'input_audio':
      return convertAudio(part, warnings);
    default:
      warnings.add(`a \`${part.type}\` content part was dropped: the Gemini API cannot carry it`);
      return undefined;
  }
}

function convertImage(part: ContentPart, warnings: Warnings): GeminiPart | undefined {
  const url = part.image_url?.url ?? '';
  const detail = part.image_url?.detail;
  if (detail !== undefined && detail !== 'auto') warnings.add(`image_url.detail "${detail}" was dropped: the Gemini API has no per-image detail setting`);
  const inline = inlineData(url);
  if (inline) return inline;
  if (/^https?:\/\//i.test(url)) {
    const mimeType = mimeTypeOfUrl(url);
    if (mimeType !== undefined) return { fileData: { mimeType, fileUri: url } };
    warnings.add('an image URL whose file extension does not tell its type was dropped: Gemini needs the media type of a URL');
    return undefined;
  }
  warnings.add('an image_url that is neither an http(s) URL nor a base64 data: URL was dropped');
  return undefined;
}

function convertFile(part: ContentPart, warnings: Warnings): GeminiPart | undefined {
  const file = part.file ?? {};
  const inline = file.file_data === undefined ? undefined : inlineData(file.file_data);
  if (inline) return inline;
  if (file.file_id !== undefined) warnings.add('a `file` part with a file_id was dropped: OpenAI file ids mean nothing to the Gemini API');
  else warnings.add('a `file` part without a base64 data: URL was dropped');
  return undefined;
}

function convertAudio(part: ContentPart, warnings: Warnings): GeminiPart | undefined {
  const audio = part['input_audio'] as { data?: unknown; format?: unknown } | undefined;
  if (typeof audio?.data === 'string' && typeof audio.format === 'string') return { inlineData: { mimeType: `audio/${audio.format}`, data: audio.data } };
  warnings.add('an input_audio part without data and format was dropped');
  return undefined;
}
