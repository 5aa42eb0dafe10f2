import { describe, expect, it } from 'vitest';
import { clipInput, quoteInput } from './quote-input.js';

describe('quoteInput', () => {
  it('quotes a short value whole, escaping what a terminal or log would misread', () => {
    expect(quoteInput('gpt-4o')).toBe('"gpt-4o"');
    expect(quoteInput('a"b\n')).toBe('"a\\"b\\n"');
  });

  it('quotes only the start of a long value, with its length', () => {
    const quoted = quoteInput('x'.repeat(30_000_000));
    expect(quoted).toBe(`"${'x'.repeat(100)}"... (30000000 characters)`);
    expect(quoteInput('abcdef', 3)).toBe('"abc"... (6 characters)');
  });
});

describe('clipInput', () => {
  it('keeps a short value as it is, and only the start of a long one, with its length', () => {
    expect(clipInput('/v1/messages')).toBe('/v1/messages');
    expect(clipInput('x'.repeat(100))).toBe('x'.repeat(100));
    expect(clipInput('abcdef', 3)).toBe('abc... (6 characters)');
  });
});
