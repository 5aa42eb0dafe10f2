import { countTokens as exactCount } from 'gpt-tokenizer/encoding/o200k_base';
import { beforeAll, describe, expect, it } from 'vitest';
import { countInBoundedPieces, countTokens, loadTokenizer, MAX_TOKEN_BYTES } from './count-tokens.js';

const exact = (text: string): number => exactCount(text, { disallowedSpecial: new Set<string>() });

beforeAll(async () => {
  await loadTokenizer();
});

describe('countTokens', () => {
  it('gives the tokenizer’s own count for text as people write it', () => {
    const texts = [
      'The quick brown fox jumps over the lazy dog. '.repeat(200),
      'export function f(a: number): number {\n  return a * 2; // doubled\n}\n'.repeat(100),
      // A long URL and base64: 64 and more characters without a space, but no long run of one kind.
      `See https://example.com/a/very/long/path/with-many-segments/and?query=strings&more=values&even=more#fragment and ${Buffer.from('x'.repeat(3000).split('').map((_, i) => String.fromCharCode(i % 251)).join('')).toString('base64')}`,
      '漢字かな交じり文、日本語の文章です。'.repeat(300),
      'Ünïcödé façade — naïve café; 😀 emoji 👍🏽 too.',
    ];
    for (const text of texts) expect(countTokens(text)).toBe(exact(text));
  });

  it('counts long runs of one kind of character slice by slice, within a token per slice of the exact count', () => {
    for (const run of ['~'.repeat(4096), 'a'.repeat(4096), ' '.repeat(4096), '😀'.repeat(1024), `x ${'='.repeat(3000)} y`]) {
      const slices = Math.ceil(run.length / 64);
      expect(Math.abs(countTokens(run) - exact(run))).toBeLessThanOrEqual(slices);
    }
  });

  it('never cuts a surrogate pair in two', () => {
    // 63 letters, then letters outside the BMP (two UTF-16 units each): a cut at 64 would split the first pair.
    const text = `${'a'.repeat(63)}${'𝒜'.repeat(100)}`;
    expect(countTokens(text)).toBe(exact(`${'a'.repeat(63)}𝒜`) + 3 * exact('𝒜'.repeat(32)) + exact('𝒜'.repeat(3)));
  });

  it('hands the tokenizer no piece of a long run over 64 characters, and every character once', () => {
    const pieces: string[] = [];
    const spy = (text: string): number => {
      pieces.push(text);
      return 1;
    };
    for (const text of ['~'.repeat(2_000_000), 'a'.repeat(100_000), `${' '.repeat(5_000)}x`, `hello ${'😀'.repeat(10_000)} world`]) {
      pieces.length = 0;
      countInBoundedPieces(spy, text);
      expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThanOrEqual(65);
      expect(pieces.join('')).toBe(text);
    }
    // Text without long runs goes to the tokenizer whole, so its count is exact.
    pieces.length = 0;
    const prose = 'Nothing here runs long. '.repeat(1_000);
    countInBoundedPieces(spy, prose);
    expect(pieces).toEqual([prose]);
  });
});

describe('MAX_TOKEN_BYTES', () => {
  it('is the length in bytes of the longest token in the vocabulary', async () => {
    const { default: vocabulary } = await import('gpt-tokenizer/bpeRanks/o200k_base');
    const longest = vocabulary.reduce<number>((most, token) => Math.max(most, typeof token === 'string' ? Buffer.byteLength(token) : token.length), 0);
    expect(MAX_TOKEN_BYTES).toBe(longest);
  });
});
