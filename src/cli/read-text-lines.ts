import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** A non-blank line of a text file and its 1-based line number. */
export type TextLine = { line: number; text: string };

/**
 * The non-blank lines of a file, read as they are asked for: the stream is pulled chunk by chunk,
 * so only the current chunk and one partial line are in memory however long the file is.
 */
export async function* readTextLines(path: string): AsyncGenerator<TextLine> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let line = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    pending += decoder.write(chunk as Buffer);
    let start = 0;
    for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
      line++;
      const text = pending.slice(start, end).trim();
      start = end + 1;
      if (text !== '') yield { line, text };
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  const last = pending.trim();
  if (last !== '') yield { line: line + 1, text: last };
}

/** How many non-blank lines a file has, in one fast pass over its bytes (the total a progress display shows). */
export async function countTextLines(path: string): Promise<number> {
  let count = 0;
  // Whether the current line has a byte other than whitespace so far.
  let content = false;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const bytes = chunk as Buffer;
    for (let index = 0; index < bytes.length; index++) {
      const byte = bytes[index] as number;
      if (byte === 0x0a) {
        if (content) count++;
        content = false;
      } else if (!content && byte !== 0x20 && byte !== 0x0d && byte !== 0x09) content = true;
    }
  }
  return content ? count + 1 : count;
}
