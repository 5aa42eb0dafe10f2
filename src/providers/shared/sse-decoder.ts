import { StringDecoder } from 'node:string_decoder';

export type SseEvent = { event: string | undefined; data: string };

/**
 * Incremental Server-Sent Events decoder (WHATWG "event stream interpretation"): feed it text as
 * it arrives, get back complete events. Handles \n, \r\n and \r line ends, multi-line `data`,
 * comments (`: keep-alive`, which OpenRouter sends) and events split across chunks.
 */
export class SseDecoder {
  /** The line begun in earlier chunks, in pieces: joined once its end arrives, so a long line split over many chunks is copied once, not once per chunk. */
  private partial: string[] = [];
  private data: string[] = [];
  private event: string | undefined;
  private pendingCarriageReturn = false;
  /** For `write`: UTF-8 characters split between two chunks. */
  private utf8: StringDecoder | undefined;
  /** `write` has decoded a first character (the only place a byte order mark is dropped). */
  private begun = false;

  /**
   * Bytes as they arrive, decoded as UTF-8 (a character split between chunks waits for its end;
   * invalid bytes become U+FFFD), with the one leading byte order mark the format allows dropped.
   * A StringDecoder rather than a streaming TextDecoder: the latter's output, with 1,000 streams
   * open, outlived young collections (about 2 KB per stream promoted, by the allocation sampler).
   */
  write(bytes: Uint8Array): SseEvent[] {
    this.utf8 ??= new StringDecoder('utf8');
    const text = this.utf8.write(bytes);
    if (this.begun || text === '') return this.push(text);
    this.begun = true;
    return this.push(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  }

  push(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let input = text;
    if (input === '') return events;
    if (this.pendingCarriageReturn) {
      // A \r at the end of the previous chunk already ended its line; a \n right after it is the same line end.
      if (input.startsWith('\n')) input = input.slice(1);
      this.pendingCarriageReturn = false;
    }
    let start = 0;
    // Only this chunk is searched: what came before holds no line end. The next \r is searched
    // again only once passed (most streams have none, and a search per line would scan the rest
    // of the chunk for every line).
    let cr = input.indexOf('\r');
    for (;;) {
      const lf = input.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = input.indexOf('\r', start);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 < input.length) next = input[cr + 1] === '\n' ? cr + 2 : cr + 1;
        else {
          next = cr + 1;
          this.pendingCarriageReturn = true;
        }
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else break;
      this.line(this.completeLine(input.slice(start, end)), events);
      start = next;
    }
    if (start < input.length) this.partial.push(input.slice(start));
    return events;
  }

  private completeLine(last: string): string {
    if (this.partial.length === 0) return last;
    this.partial.push(last);
    const line = this.partial.join('');
    this.partial = [];
    return line;
  }

  /** Call at end of input: an event without its closing blank line is dispatched anyway. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.partial.length > 0) this.line(this.completeLine(''), events);
    this.line('', events);
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) events.push({ event: this.event, data: this.data.join('\n') });
      this.data = [];
      this.event = undefined;
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
  }
}
