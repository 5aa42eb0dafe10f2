import { describe, expect, it } from 'vitest';
import { compileGlobs } from './compile-glob.js';

function matches(glob: string, name: string): boolean {
  return compileGlobs([glob])(name) === 0;
}

describe('compileGlobs', () => {
  it('matches the whole name, literally without wildcards', () => {
    expect(matches('gpt-4o', 'gpt-4o')).toBe(true);
    expect(matches('gpt-4o', 'gpt-4o-mini')).toBe(false);
    expect(matches('gpt-4o', 'my-gpt-4o')).toBe(false);
    expect(matches('gpt-4o', 'gpt-4')).toBe(false);
  });

  it('lets * match any run of characters, none included', () => {
    expect(matches('claude-*', 'claude-opus-4-8')).toBe(true);
    expect(matches('claude-*', 'claude-')).toBe(true);
    expect(matches('claude-*', 'claude')).toBe(false);
    expect(matches('*', '')).toBe(true);
    expect(matches('*', 'anything/at:all')).toBe(true);
    expect(matches('*-mini', 'gpt-4o-mini')).toBe(true);
    expect(matches('*-mini', 'gpt-4o-mini-2024')).toBe(false);
  });

  it('finds several literal runs in order, between stars', () => {
    expect(matches('claude-*haiku*', 'claude-3-5-haiku-latest')).toBe(true);
    expect(matches('claude-*haiku*', 'claude-haiku-4-5')).toBe(true);
    expect(matches('claude-*haiku*', 'claude-sonnet-4-6')).toBe(false);
    expect(matches('a*b*c', 'axxbyyc')).toBe(true);
    expect(matches('a*b*c', 'axxcyyb')).toBe(false);
    expect(matches('a*b*b', 'abb')).toBe(true);
    expect(matches('a*b*b', 'ab')).toBe(false);
    // A middle run may not use the characters of the end run, nor the start run those of the end.
    expect(matches('a*b*b', 'axb')).toBe(false);
    expect(matches('*x*x', 'ax')).toBe(false);
    expect(matches('a*b?*b?', 'axxb1')).toBe(false);
    expect(matches('a*b?*b?', 'axb2b1')).toBe(true);
    // Runs between stars do not overlap each other.
    expect(matches('*ab*ba*', 'abax')).toBe(false);
    expect(matches('*ab*ba*', 'abba')).toBe(true);
    expect(matches('ab*ba', 'aba')).toBe(false);
    expect(matches('ab*ba', 'abba')).toBe(true);
  });

  it('lets ? match exactly one character, also inside a run between stars', () => {
    expect(matches('gpt-?o', 'gpt-4o')).toBe(true);
    expect(matches('gpt-?o', 'gpt-o')).toBe(false);
    expect(matches('gpt-?o', 'gpt-45o')).toBe(false);
    expect(matches('*-4-?-*', 'claude-3-4-5-haiku')).toBe(true);
    expect(matches('*x?z*', 'aaxyzbb')).toBe(true);
    expect(matches('*x?z*', 'aaxzbb')).toBe(false);
  });

  it('ignores case on both sides', () => {
    expect(matches('claude-*', 'Claude-Opus-4-8')).toBe(true);
    expect(matches('CLAUDE-*HAIKU*', 'claude-3-5-haiku')).toBe(true);
  });

  it('treats regex syntax literally', () => {
    expect(matches('a.b', 'axb')).toBe(false);
    expect(matches('a.b', 'a.b')).toBe(true);
    expect(matches('(x)+[y]', '(x)+[y]')).toBe(true);
    expect(matches('^x$', 'x')).toBe(false);
  });

  it('answers the index of the first glob, in the order given, that matches', () => {
    const lookup = compileGlobs(['claude-*haiku*', 'claude-*', '*']);
    expect(lookup('claude-3-5-haiku-latest')).toBe(0);
    expect(lookup('claude-opus-4-8')).toBe(1);
    expect(lookup('gpt-4o')).toBe(2);
    expect(compileGlobs(['x', 'y'])('z')).toBeUndefined();
    expect(compileGlobs([])('z')).toBeUndefined();
  });

  it('does not backtrack on a hostile name (the regex .*a.*a.*a.*a.*b takes tens of seconds on these 240 characters)', () => {
    const started = performance.now();
    expect(matches('*a*a*a*a*b', 'a'.repeat(240))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('takes time linear in a long name', () => {
    const name = 'a'.repeat(200_000);
    const started = performance.now();
    expect(matches('*a*a*a*a*b', name)).toBe(false);
    expect(matches('*a?a*a?a*a?b', name)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
