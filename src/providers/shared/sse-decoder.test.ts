import { describe, expect, it } from 'vitest';
import { SseDecoder, type SseEvent } from './sse-decoder.js';

/** Feeds the chunks in order, then ends the stream, and returns every event that came out. */
function decodeAll(chunks: readonly string[], callEnd = true): SseEvent[] {
  const decoder = new SseDecoder();
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...decoder.push(chunk));
  if (callEnd) events.push(...decoder.end());
  return events;
}

const MULTI_EVENT =
  ': keep-alive\n\n' +
  'data: {"a":1}\n\n' +
  'event: ping\r\ndata: first\r\ndata: second\r\n\r\n' +
  'data:no-space\rdata: x\r\r' +
  'event: done\ndata: [DONE]\n\n';

const MULTI_EVENT_EXPECTED: SseEvent[] = [
  { event: undefined, data: '{"a":1}' },
  { event: 'ping', data: 'first\nsecond' },
  { event: undefined, data: 'no-space\nx' },
  { event: 'done', data: '[DONE]' },
];

describe('SseDecoder', () => {
  it('decodes a multi-event stream delivered in one push', () => {
    expect(decodeAll([MULTI_EVENT], false)).toEqual(MULTI_EVENT_EXPECTED);
  });

  it('yields the same events whatever position the stream is split at into two pushes', () => {
    for (let split = 0; split <= MULTI_EVENT.length; split++) {
      const events = decodeAll([MULTI_EVENT.slice(0, split), MULTI_EVENT.slice(split)], false);
      expect(events, `split at ${split}`).toEqual(MULTI_EVENT_EXPECTED);
    }
  });

  it('yields the same events when the stream arrives one character per push', () => {
    expect(decodeAll([...MULTI_EVENT], false)).toEqual(MULTI_EVENT_EXPECTED);
  });

  it('joins a long line that arrives over many pushes, and what follows it in the last one', () => {
    const value = 'x'.repeat(1024 * 1024);
    const stream = `data: ${value}\r\n\r\ndata: next\n\n`;
    const chunks: string[] = [];
    for (let at = 0; at < stream.length; at += 1000) chunks.push(stream.slice(at, at + 1000));
    expect(decodeAll(chunks, false)).toEqual([
      { event: undefined, data: value },
      { event: undefined, data: 'next' },
    ]);
  });

  it('returns an event only from the push that completes it', () => {
    const decoder = new SseDecoder();
    expect(decoder.push('data: hel')).toEqual([]);
    expect(decoder.push('lo\n')).toEqual([]);
    expect(decoder.push('\n')).toEqual([{ event: undefined, data: 'hello' }]);
  });

  it('accepts \\n line endings', () => {
    expect(decodeAll(['data: a\n\ndata: b\n\n'], false)).toEqual([
      { event: undefined, data: 'a' },
      { event: undefined, data: 'b' },
    ]);
  });

  it('splits one chunk that mixes \\n, \\r\\n and \\r line ends, in any order', () => {
    expect(decodeAll(['data: a\n\ndata: b\r\n\r\ndata: c\n\ndata: d\r\rdata: e\n\n'], false)).toEqual(
      ['a', 'b', 'c', 'd', 'e'].map((data) => ({ event: undefined, data })),
    );
  });

  it('accepts \\r\\n line endings', () => {
    expect(decodeAll(['data: a\r\n\r\ndata: b\r\n\r\n'], false)).toEqual([
      { event: undefined, data: 'a' },
      { event: undefined, data: 'b' },
    ]);
  });

  it('accepts lone \\r line endings', () => {
    expect(decodeAll(['data: a\rdata: b\r\rdata: c\r\r'], false)).toEqual([
      { event: undefined, data: 'a\nb' },
      { event: undefined, data: 'c' },
    ]);
  });

  it('treats a \\r ending one push and a \\n starting the next as a single line end', () => {
    // If the \n were read as a second line end, it would be a blank line dispatching "a" alone.
    expect(decodeAll(['data: a\r', '\ndata: b\r', '\n\r', '\n'], false)).toEqual([{ event: undefined, data: 'a\nb' }]);
  });

  it('does not swallow a real blank line that follows a \\r split across pushes', () => {
    expect(decodeAll(['data: a\r', '\n\ndata: b\n\n'], false)).toEqual([
      { event: undefined, data: 'a' },
      { event: undefined, data: 'b' },
    ]);
  });

  it('does not swallow the first character of a push after a \\r when it is not \\n', () => {
    expect(decodeAll(['data: a\r', 'data: b\r\r'], false)).toEqual([{ event: undefined, data: 'a\nb' }]);
  });

  // Empty pushes happen in practice (a TextDecoder fed part of a multi-byte character returns '');
  // one between a trailing \r and its \n must not turn the \n into a blank line.
  it('keeps a \\r\\n split by an empty push as one line end', () => {
    expect(decodeAll(['data: a\r', '', '\ndata: b\n\n'], false)).toEqual([{ event: undefined, data: 'a\nb' }]);
  });

  it('joins several data lines of one event with \\n', () => {
    expect(decodeAll(['data: line 1\ndata: line 2\ndata: line 3\n\n'], false)).toEqual([
      { event: undefined, data: 'line 1\nline 2\nline 3' },
    ]);
  });

  it('keeps blank data lines as empty lines of the data', () => {
    expect(decodeAll(['data: a\ndata:\ndata\ndata: b\n\n'], false)).toEqual([{ event: undefined, data: 'a\n\n\nb' }]);
  });

  it('dispatches an event whose only data line is empty, with empty data', () => {
    expect(decodeAll(['data:\n\n'], false)).toEqual([{ event: undefined, data: '' }]);
  });

  it('reports the event name and resets it for the next event', () => {
    expect(decodeAll(['event: error\ndata: boom\n\ndata: plain\n\n'], false)).toEqual([
      { event: 'error', data: 'boom' },
      { event: undefined, data: 'plain' },
    ]);
  });

  it('does not dispatch an event that has a name but no data, and forgets its name', () => {
    expect(decodeAll(['event: lonely\n\ndata: next\n\n'], false)).toEqual([{ event: undefined, data: 'next' }]);
  });

  it('ignores comment lines, including between data lines', () => {
    expect(decodeAll([': keep-alive\n\n: OPENROUTER PROCESSING\ndata: a\n: mid-event comment\ndata: b\n\n'], false)).toEqual([
      { event: undefined, data: 'a\nb' },
    ]);
  });

  it('emits nothing for a stream of comments and blank lines only', () => {
    expect(decodeAll([': keep-alive\n\n: keep-alive\n\n\n\n'])).toEqual([]);
  });

  it('strips exactly one space after the colon and keeps the rest of the value verbatim', () => {
    expect(decodeAll(['data:compact\n\ndata: spaced\n\ndata:  two spaces\n\ndata: a: b:c\n\n'], false)).toEqual([
      { event: undefined, data: 'compact' },
      { event: undefined, data: 'spaced' },
      { event: undefined, data: ' two spaces' },
      { event: undefined, data: 'a: b:c' },
    ]);
  });

  it('ignores unknown fields and id/retry lines', () => {
    expect(decodeAll(['id: 7\nretry: 1000\nfoo: bar\ndata: x\n\n'], false)).toEqual([{ event: undefined, data: 'x' }]);
  });

  it('does not treat a field name that only starts with "data" as data', () => {
    expect(decodeAll(['datum: no\ndata: yes\n\n'], false)).toEqual([{ event: undefined, data: 'yes' }]);
  });

  it('end() dispatches a last event that has no closing blank line', () => {
    const decoder = new SseDecoder();
    expect(decoder.push('data: a\n\nevent: last\ndata: b\n')).toEqual([{ event: undefined, data: 'a' }]);
    expect(decoder.end()).toEqual([{ event: 'last', data: 'b' }]);
  });

  it('end() dispatches a last event whose final line has no line end at all', () => {
    const decoder = new SseDecoder();
    expect(decoder.push('data: a\ndata: b')).toEqual([]);
    expect(decoder.end()).toEqual([{ event: undefined, data: 'a\nb' }]);
  });

  it('end() returns nothing when every event was already dispatched', () => {
    const decoder = new SseDecoder();
    decoder.push('data: a\n\n');
    expect(decoder.end()).toEqual([]);
  });

  it('end() does not dispatch an unterminated comment or name-only event', () => {
    const decoder = new SseDecoder();
    decoder.push('event: x\n: comment');
    expect(decoder.end()).toEqual([]);
  });
});

describe('SseDecoder.write (bytes)', () => {
  /** Writes the bytes cut at each of `cuts`, then ends the stream. */
  function decodeBytes(bytes: Buffer, cuts: readonly number[]): SseEvent[] {
    const decoder = new SseDecoder();
    const events: SseEvent[] = [];
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      events.push(...decoder.write(bytes.subarray(from, cut)));
      from = cut;
    }
    events.push(...decoder.end());
    return events;
  }

  const text = 'data: {"text":"héllo 世界 🙂"}\n\n';
  const bytes = Buffer.from(text, 'utf8');

  it('decodes the same events wherever the bytes are cut, inside a character too', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(decodeBytes(bytes, [cut])).toEqual([{ event: undefined, data: '{"text":"héllo 世界 🙂"}' }]);
    }
  });

  it('drops one leading byte order mark, even cut across writes, and keeps a later one', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('data: a\uFEFFb\n\n', 'utf8')]);
    for (const cuts of [[], [1], [2], [1, 2]]) expect(decodeBytes(withBom, cuts)).toEqual([{ event: undefined, data: 'a\uFEFFb' }]);
    const twoBoms = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Buffer.from('data: x\n\n')]);
    // The second mark is then the start of a field name: not `data`, so the line is ignored.
    expect(decodeBytes(twoBoms, [])).toEqual([]);
  });

  it('turns invalid UTF-8 into U+FFFD rather than failing', () => {
    const invalid = Buffer.concat([Buffer.from('data: a'), Buffer.from([0xff]), Buffer.from('b\n\n')]);
    expect(decodeBytes(invalid, [])).toEqual([{ event: undefined, data: 'a\uFFFDb' }]);
  });
});
