import type { CacheControl, ContentPart } from '../../spec/chat-request.js';

/** Where conversions report what they dropped; a Set, so a field dropped from every message is said once. */
export type Warnings = Set<string>;

export type AnthropicBlock = Record<string, unknown>;

/** Content part kinds of Chat Completions; any other kind came from an Anthropic client and is one of its own blocks. */
const OPENAI_KINDS = new Set(['text', 'image_url', 'file', 'input_audio', 'refusal']);

const DATA_URL = /^data:([^;,]+)?((?:;[^;,]*)*?);base64,(.*)$/s;

/** `cache_control` kept on the block it marked. */
export function withCacheControl(block: AnthropicBlock, cacheControl: CacheControl | undefined): AnthropicBlock {
  return cacheControl === undefined ? block : { ...block, cache_control: cacheControl };
}

export function textBlock(text: string, cacheControl?: CacheControl): AnthropicBlock {
  return withCacheControl({ type: 'text', text }, cacheControl);
}

/**
 * What a part carries besides what its conversion consumed: for an Anthropic client, every other
 * key (the edge keeps `cache_control`, `citations`, `context`, ... on the part); for an OpenAI
 * client, its cache breakpoint alone.
 */
function carried(part: ContentPart, consumed: readonly string[], native: boolean): Record<string, unknown> {
  if (!native) return part.cache_control === undefined ? {} : { cache_control: part.cache_control };
  const out: Record<string, unknown> = {};
  for (const key in part) if (!consumed.includes(key) && part[key] !== undefined) out[key] = part[key];
  return out;
}

/**
 * One content part → a Messages API block, or undefined when it cannot be carried (a warning says
 * so). `native`: the request came in Anthropic's dialect, so a kind Chat Completions does not have
 * is an Anthropic block kept verbatim by the edge, and goes back as it came.
 */
export function convertContentPart(part: ContentPart, native: boolean, warnings: Warnings): AnthropicBlock | undefined {
  switch (part.type) {
    case 'text':
      // The Messages API rejects empty text blocks.
      return typeof part.text === 'string' && part.text !== '' ? { type: 'text', text: part.text, ...carried(part, ['type', 'text'], native) } : undefined;
    case 'refusal':
      // An assistant's earlier refusal is text it said.
      return typeof part['refusal'] === 'string' && part['refusal'] !== '' ? textBlock(part['refusal'], part.cache_control) : undefined;
    case 'image_url':
      return convertImage(part, native, warnings);
    case 'file':
      return convertFile(part, native, warnings);
    default:
      if (native && !OPENAI_KINDS.has(part.type)) return { ...part };
      warnings.add(`a \`${part.type}\` content part was dropped: the Messages API cannot carry it`);
      return undefined;
  }
}

function convertImage(part: ContentPart, native: boolean, warnings: Warnings): AnthropicBlock | undefined {
  const url = part.image_url?.url ?? '';
  const detail = part.image_url?.detail;
  if (detail !== undefined && detail !== 'auto') warnings.add(`image_url.detail "${detail}" was dropped: the Messages API has no image detail setting`);
  const extra = carried(part, ['type', 'image_url'], native);
  const data = DATA_URL.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1] ?? '', data: data[3] ?? '' }, ...extra };
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url }, ...extra };
  warnings.add('an image_url that is neither an http(s) URL nor a base64 data: URL was dropped');
  return undefined;
}

/** A `data:` URL document: a PDF as base64, text (an Anthropic client's plain-text document) as text; its file name is the document's title. */
function convertFile(part: ContentPart, native: boolean, warnings: Warnings): AnthropicBlock | undefined {
  const file = part.file ?? {};
  const data = file.file_data === undefined ? null : DATA_URL.exec(file.file_data);
  const mediaType = data?.[1] ?? '';
  let source: AnthropicBlock | undefined;
  if (data && mediaType === 'application/pdf') source = { type: 'base64', media_type: mediaType, data: data[3] ?? '' };
  else if (data && mediaType.startsWith('text/')) source = { type: 'text', media_type: 'text/plain', data: Buffer.from(data[3] ?? '', 'base64').toString('utf8') };
  if (source) {
    const title = file.filename === undefined ? {} : { title: file.filename };
    return { type: 'document', source, ...title, ...carried(part, ['type', 'file'], native) };
  }
  if (data) warnings.add(`a \`file\` part of type ${mediaType || 'unknown'} was dropped: the Messages API takes documents as PDF or text`);
  else if (file.file_id !== undefined) warnings.add('a `file` part with a file_id was dropped: OpenAI file ids mean nothing to the Messages API');
  else warnings.add('a `file` part without a base64 data: URL was dropped');
  return undefined;
}
