import { InvalidRequestError } from '../errors/request-errors.js';
import { formatParam } from './format-param.js';

export type JsonShapeLimits = {
  /** Arrays and objects open at once, anywhere in the body (`server.max_json_depth`). */
  maxJsonDepth: number;
  /** Entries of the top-level `messages` array (`server.max_messages`). */
  maxMessages: number;
};

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
/** `"messages"` with its quotes; a key written with escapes is longer, and decoded to compare. */
const MESSAGES_KEY = Buffer.from('"messages"');
/** Longest spelling of `"messages"` with every letter escaped (`\u006d`...). */
const MESSAGES_KEY_MAX_BYTES = 2 + 8 * 6;
/** Characters of a path `param` shows; a path 100,000 levels deep is not repeated whole. */
const PARAM_CHARS = 100;

/**
 * Checks a JSON body's nesting depth and message count on its bytes, before JSON.parse: a body
 * nested 15 million levels deep takes JSON.parse 11 s (and JSON.stringify overflows the stack on
 * it when the request is forwarded), a million messages half a second and hundreds of MB. One pass
 * that skips over strings with a native search: about 2 ms per MB of structure, less for text.
 * Malformed JSON is left to JSON.parse to report. Throws InvalidRequestError with `param`.
 */
export function checkJsonShape(body: Buffer, limits: JsonShapeLimits): void {
  const { maxJsonDepth, maxMessages } = limits;
  // Per open container (index = depth, 1 is the root): object or array, the element index of an
  // array, the bytes of the current key of an object. Only the path to an error reads them.
  const isObject = new Uint8Array(maxJsonDepth + 1);
  const expectsKey = new Uint8Array(maxJsonDepth + 1);
  const index = new Uint32Array(maxJsonDepth + 1);
  const keyStart = new Int32Array(maxJsonDepth + 1);
  const keyEnd = new Int32Array(maxJsonDepth + 1);
  let depth = 0;
  let inMessages = false;
  const length = body.length;
  for (let at = 0; at < length; at++) {
    const byte = body[at];
    if (byte === QUOTE) {
      const end = closingQuote(body, at);
      if (end === -1) return;
      if (isObject[depth] === 1 && expectsKey[depth] === 1) {
        keyStart[depth] = at;
        keyEnd[depth] = end + 1;
        expectsKey[depth] = 0;
      }
      at = end;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (depth === maxJsonDepth) throw tooDeep(body, maxJsonDepth, { isObject, index, keyStart, keyEnd });
      depth++;
      isObject[depth] = byte === OPEN_OBJECT ? 1 : 0;
      expectsKey[depth] = isObject[depth] as number;
      index[depth] = 0;
      if (depth === 2 && byte === OPEN_ARRAY && isObject[1] === 1) inMessages = isMessagesKey(body, keyStart[1] as number, keyEnd[1] as number);
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      if (depth > 0) depth--;
      if (depth < 2) inMessages = false;
    } else if (byte === COMMA) {
      if (isObject[depth] === 1) expectsKey[depth] = 1;
      else if (depth > 0) {
        index[depth] = (index[depth] as number) + 1;
        if (inMessages && depth === 2 && (index[2] as number) >= maxMessages) {
          throw new InvalidRequestError(`Invalid request: messages: more than ${maxMessages} messages (server.max_messages).`, {
            param: 'messages',
            code: 'array_above_max_length',
          });
        }
      }
    }
  }
}

/** The index of the quote that closes the string opening at `open`, or -1. */
function closingQuote(body: Buffer, open: number): number {
  let at = open;
  for (;;) {
    at = body.indexOf(QUOTE, at + 1);
    if (at === -1) return -1;
    // A quote after an odd run of backslashes is escaped. Each run is counted once: O(length) in all.
    let backslashes = 0;
    while (body[at - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

function isMessagesKey(body: Buffer, start: number, end: number): boolean {
  if (end - start === MESSAGES_KEY.length) return body.compare(MESSAGES_KEY, 0, MESSAGES_KEY.length, start, end) === 0;
  return end - start <= MESSAGES_KEY_MAX_BYTES && decodeKey(body, start, end) === 'messages';
}

/** A key's text; a long one (a client can send megabytes) only by its start, copied out of the body. */
function decodeKey(body: Buffer, start: number, end: number): string {
  if (end - start > 4 * PARAM_CHARS) return `${body.toString('utf8', start + 1, start + 1 + PARAM_CHARS)}...`;
  try {
    return String(JSON.parse(body.toString('utf8', start, end)));
  } catch {
    return body.toString('utf8', start + 1, end - 1);
  }
}

type OpenContainers = { isObject: Uint8Array; index: Uint32Array; keyStart: Int32Array; keyEnd: Int32Array };

/** The error for a container opened past the limit, with the path to it (its start, when it is long). */
function tooDeep(body: Buffer, maxJsonDepth: number, open: OpenContainers): InvalidRequestError {
  const path: (string | number)[] = [];
  let formatted = '';
  for (let level = 1; level <= maxJsonDepth && formatted.length <= PARAM_CHARS; level++) {
    path.push(open.isObject[level] === 1 ? decodeKey(body, open.keyStart[level] as number, open.keyEnd[level] as number) : (open.index[level] as number));
    formatted = formatParam(path);
  }
  const param = formatted.length > PARAM_CHARS ? `${formatted.slice(0, PARAM_CHARS)}...` : formatted;
  return new InvalidRequestError(`Invalid request: ${param}: nested more than ${maxJsonDepth} levels deep (server.max_json_depth).`, {
    param,
    code: 'json_too_deep',
  });
}
